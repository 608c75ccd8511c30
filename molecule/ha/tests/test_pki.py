"""The certificate set: chains, SANs, key modes, and identity across re-runs."""

import glob
import json
import os
import subprocess

import pytest
from fleet import ADDRESSES, ENDPOINT_ADDRESS, EPHEMERAL, OPERATOR_SITE, PKI_DIR, hosts_of

testinfra_hosts = hosts_of("control_plane")

CA = {name: os.path.join(PKI_DIR, "ca", name + ".crt") for name in ("kubernetes", "etcd", "front-proxy")}
LEAVES = {
    "apiserver": "kubernetes", "apiserver-kubelet-client": "kubernetes", "controller-manager": "kubernetes",
    "scheduler": "kubernetes", "apiserver-etcd-client": "etcd", "etcd-server": "etcd", "etcd-peer": "etcd",
    "etcd-healthcheck-client": "etcd", "front-proxy-client": "front-proxy",
}


def openssl(*args):
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def sans(path):
    text = openssl("x509", "-in", path, "-noout", "-ext", "subjectAltName").stdout
    entries = text.split("\n", 1)[1].replace(" ", "").replace("\n", "").split(",")
    return sorted(entries)


@pytest.mark.parametrize("name", hosts_of("control_plane"))
@pytest.mark.parametrize("leaf, ca", sorted(LEAVES.items()))
def test_every_leaf_verifies_against_its_ca(name, leaf, ca):
    result = openssl("verify", "-CAfile", CA[ca], os.path.join(PKI_DIR, "nodes", name, leaf + ".crt"))
    assert result.returncode == 0 and ": OK" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("who", ["admin", "break-glass"])
def test_admin_certificates_verify(who):
    assert openssl("verify", "-CAfile", CA["kubernetes"], os.path.join(PKI_DIR, who + ".crt")).returncode == 0


@pytest.mark.parametrize("name", hosts_of("control_plane"))
def test_apiserver_sans_are_exactly_the_list(name):
    expected = ["DNS:" + d for d in ("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                     "kubernetes.default.svc.cluster.local", "localhost", "cp1", "cp2", "cp3")]
    # The endpoint is the address lb1 and lb2 share: no DNS name unless one is set.
    expected += ["IPAddress:" + ip for ip in ("10.32.0.1", "127.0.0.1", ENDPOINT_ADDRESS,
                                              *(ADDRESSES[n] for n in ("cp1", "cp2", "cp3")))]
    assert sans(os.path.join(PKI_DIR, "nodes", name, "apiserver.crt")) == sorted(expected)


@pytest.mark.parametrize("name", hosts_of("etcd"))
@pytest.mark.parametrize("leaf", ["etcd-server", "etcd-peer"])
def test_etcd_sans_are_exactly_the_member(name, leaf):
    expected = sorted([f"DNS:{name}", "DNS:localhost", f"IPAddress:{ADDRESSES[name]}", "IPAddress:127.0.0.1"])
    assert sans(os.path.join(PKI_DIR, "nodes", name, leaf + ".crt")) == expected


def test_subjects_of_the_control_plane_clients():
    def subject(path):
        return openssl("x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253").stdout.strip()
    assert subject(os.path.join(PKI_DIR, "nodes", "cp1", "controller-manager.crt")) == "subject=CN=system:kube-controller-manager"
    assert subject(os.path.join(PKI_DIR, "nodes", "cp1", "scheduler.crt")) == "subject=CN=system:kube-scheduler"
    assert subject(os.path.join(PKI_DIR, "admin.crt")) == "subject=CN=kthw-admin,O=kthw:cluster-admins"
    assert subject(os.path.join(PKI_DIR, "break-glass.crt")) == "subject=CN=kthw-break-glass,O=system:masters"


def test_controller_keys_are_private():
    keys = glob.glob(os.path.join(PKI_DIR, "**", "*.key"), recursive=True)
    assert len(keys) >= 3 + 1 + 2 + 9 * 3
    for key in keys:
        assert os.stat(key).st_mode & 0o777 == 0o600, key
    assert os.stat(PKI_DIR).st_mode & 0o777 == 0o700


def test_node_keys_are_private(host):
    keys = host.check_output("find /etc/kubernetes/pki /etc/etcd/pki -name '*.key'").split()
    assert len(keys) >= 10
    for key in keys:
        assert host.file(key).mode == 0o600, key
    for folder in ("/etc/kubernetes/pki", "/etc/etcd/pki"):
        assert host.file(folder).mode == 0o700


def test_ca_keys_stay_on_the_controller_except_csr_signing(host):
    assert not host.file("/etc/kubernetes/pki/front-proxy-ca.key").exists
    assert not host.file("/etc/kubernetes/pki/etcd/ca.key").exists
    assert not host.file("/etc/etcd/pki/ca.key").exists
    assert host.file("/etc/kubernetes/pki/ca.key").exists  # cluster_csr_signing is on by default


def test_second_run_kept_every_certificate():
    with open(os.path.join(EPHEMERAL, "serials-first-converge.json"), encoding="utf-8") as handle:
        first = {os.path.relpath(path, PKI_DIR): facts["serial"] for path, facts in json.load(handle).items()}
    with open(os.path.join(EPHEMERAL, "serials-after-idempotence.json"), encoding="utf-8") as handle:
        second = json.load(handle)
    assert len(first) >= 3 + 2 + 9 * 3
    assert second == first


def test_san_change_reissues_only_what_carries_it():
    with open(os.path.join(EPHEMERAL, "san-change-before.json"), encoding="utf-8") as handle:
        before = json.load(handle)
    with open(os.path.join(EPHEMERAL, "san-change-after.json"), encoding="utf-8") as handle:
        after = json.load(handle)
    assert sorted(before) == sorted(after)
    reissued = sorted(path for path in before if before[path] != after[path])
    assert reissued == sorted(f"nodes/{name}/apiserver.crt" for name in hosts_of("control_plane"))


def test_expiry_report_lists_every_certificate():
    with open(os.path.join(OPERATOR_SITE, "certificates-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    per_host = {}
    for entry in report:
        per_host.setdefault(entry["host"], []).append(entry)
        assert 360 <= entry["days_left"] <= 3650
    assert sorted(per_host) == hosts_of("control_plane")
    assert all(len(entries) >= 12 for entries in per_host.values())
