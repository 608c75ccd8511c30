"""Shared fixtures for the ha scenario's testinfra checks. The fleet's settings and
helpers are in fleet.py: tests import them from there, never from this file."""

import os
import subprocess

import pytest
from fleet import ENDPOINT_PORT, KUBERNETES_VERSION, PKI_DIR


@pytest.fixture(scope="session")
def mirror_dir():
    path = os.environ.get("KTHW_MIRROR_DIR")
    if not path or not os.path.isdir(path):
        pytest.fail("KTHW_MIRROR_DIR must name the binary mirror (run through `make test`)")
    return path


@pytest.fixture(scope="session")
def kubectl(mirror_dir):
    """Runs the mirror's kubectl on the test host with a kubeconfig from the controller's PKI."""
    binary = os.path.join(mirror_dir, f"kubernetes/v{KUBERNETES_VERSION}/bin/linux/amd64/kubectl")

    def run(*args, kubeconfig="admin.kubeconfig", check=True, server=None):
        if kubeconfig:
            command = [binary, "--kubeconfig", os.path.join(PKI_DIR, kubeconfig)]
        else:  # no credential of its own: for bearer tokens
            command = [binary, "--kubeconfig", os.devnull, "--server", f"https://172.31.250.10:{ENDPOINT_PORT}",
                       "--certificate-authority", os.path.join(PKI_DIR, "ca", "kubernetes.crt")]
        if server:
            command += ["--server", server]
        result = subprocess.run(command + list(args), capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result
    return run
