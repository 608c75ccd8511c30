"""Shared fixtures for the ha scenario's testinfra checks."""

import os

import pytest
import testinfra
import testinfra.utils.ansible_runner
import yaml

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

with open(os.path.join(REPO_ROOT, "roles/cluster/defaults/main.yml"), encoding="utf-8") as _handle:
    CLUSTER_DEFAULTS = yaml.safe_load(_handle)
KUBERNETES_VERSION = CLUSTER_DEFAULTS["cluster_kubernetes_version"]
ETCD_VERSION = CLUSTER_DEFAULTS["cluster_etcd_version"]


def hosts_of(group):
    """Host names of an inventory group, in a stable order."""
    return sorted(testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts(group))


@pytest.fixture(scope="session")
def mirror_dir():
    path = os.environ.get("KTHW_MIRROR_DIR")
    if not path or not os.path.isdir(path):
        pytest.fail("KTHW_MIRROR_DIR must name the binary mirror (run through `make test`)")
    return path


def node(name):
    """A testinfra host for one named node of the fleet."""
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")
