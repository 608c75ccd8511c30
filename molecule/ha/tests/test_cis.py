"""CIS Kubernetes benchmark: kube-bench on every control-plane node with the
collection's settings (tools/cis), and the checks kube-bench gets wrong or
cannot make, done directly.

Done elsewhere and not repeated here: etcd data 0700 etcd:etcd
(test_etcd.test_runs_as_etcd_with_private_data), the encryption config
identical and 0600 (test_kube_apiserver), every key 0600 (test_pki).
"""

import os
import socket
import ssl
import sys
import warnings

import pytest
from fleet import ADDRESSES, APISERVER_PORT, ETCD_CLIENT_PORT, ETCD_PEER_PORT, PKI_DIR, REPO_ROOT, hosts_of

sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "cis"))
import kube_bench  # noqa: E402  pylint: disable=wrong-import-position

testinfra_hosts = hosts_of("control_plane")

CONTROL_PLANE = hosts_of("control_plane")
EXPECTED = kube_bench.expected()


@pytest.fixture(scope="module")
def kube_bench_dir():
    try:
        return kube_bench.build_dir()
    except kube_bench.KubeBenchError as error:  # never a skip: the benchmark is part of the contract
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def checks(kube_bench_dir):
    """One kube-bench run per node, on first use: {node: {check id: result}}."""
    done = {}

    def of(name):
        if name not in done:
            done[name] = kube_bench.results(kube_bench.run(name, kube_bench_dir, EXPECTED))
            counts = {s: sum(c["status"] == s for c in done[name].values()) for s in kube_bench.STATES}
            print(f"kube-bench {EXPECTED['benchmark']} on {name}: {counts}")
        return done[name]
    return of


def described(results, ids):
    """One line per check: its status, title, what kube-bench expected and (the start of) what it found."""
    return "\n".join(f"{i} {results[i]['status']}: {results[i]['text']}; expected {results[i]['expected'] or '-'}, "
                     f"found {results[i]['actual'][:200]!r}" for i in sorted(ids))


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_kube_bench_reports_no_fail(name, checks):
    results = checks(name)
    failed = sorted(i for i, c in results.items() if c["status"] == "FAIL")
    assert not failed, described(results, failed)


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_every_automated_check_passes(name, checks, kube_bench_dir):
    results = checks(name)
    automated = [i for i in kube_bench.automated_checks(kube_bench_dir, EXPECTED) if i not in EXPECTED["skip"]]
    assert len(automated) > 40
    missing = [i for i in automated if i not in results]
    assert not missing, f"kube-bench did not report {missing}"
    not_passed = [i for i in automated if results[i]["status"] != "PASS"]
    assert not not_passed, described(results, not_passed)


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_warnings_are_exactly_the_documented_ones(name, checks):
    results = checks(name)
    warned = sorted(i for i, c in results.items() if c["status"] == "WARN")
    # A new WARN needs a reason in tools/cis/expected.yml (and the README); one
    # that passes now comes off the list.
    assert warned == sorted(EXPECTED["warn"]), described(results, set(warned) ^ set(EXPECTED["warn"]))


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_only_the_documented_checks_are_skipped(name, checks):
    results = checks(name)
    assert sorted(i for i, c in results.items() if c["status"] == "INFO") == sorted(EXPECTED["skip"])


# Done directly: what kube-bench cannot see, or sees only in part.

def test_no_administrative_kubeconfig_on_the_node(host):
    # Stands in for 1.1.13 and 1.1.14, which kube-bench fails when the file is absent.
    for path in ("/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"):
        assert not host.file(path).exists, path


UNITS = [f"/etc/systemd/system/{c}.service"
         for c in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")]


def test_settings_and_credentials_are_root_only(host):
    # kube-bench stats one file per check, or only the first line of a listing
    # (1.1.19-1.1.21): here every unit, kubeconfig, configuration file,
    # certificate and key of the control plane.
    listing = host.check_output("find /etc/kubernetes -mindepth 1 -printf '%p %u:%g %m %y\\n'").splitlines()
    listing += host.check_output(f"stat -c '%n %U:%G %a f' {' '.join(UNITS)}").splitlines()
    entries = [line.split() for line in listing]
    assert {"/etc/kubernetes/encryption-config.yaml", "/etc/kubernetes/controller-manager.conf",
            "/etc/kubernetes/scheduler.conf", "/etc/kubernetes/pki/ca.crt", *UNITS} <= {e[0] for e in entries}
    for path, owner, mode, kind in entries:
        allowed = 0o700 if kind == "d" else 0o600
        assert owner == "root:root" and int(mode, 8) & ~allowed == 0, f"{path} {owner} {mode}"


def test_etcd_settings_and_keys_are_private(host):
    entries = [line.split() for line in host.check_output(
        "find /etc/etcd -mindepth 1 -printf '%p %u:%g %m %y\\n'").splitlines()]
    assert any(e[0] == "/etc/etcd/pki/server.key" for e in entries)
    for path, owner, mode, kind in entries:
        allowed = 0o700 if kind == "d" else 0o600
        assert owner in ("root:root", "etcd:etcd") and int(mode, 8) & ~allowed == 0, f"{path} {owner} {mode}"


@pytest.mark.parametrize("port", [10257, 10259])
def test_controller_manager_and_scheduler_listen_on_loopback_only(host, port):
    listening = [s for s in host.socket.get_listening_sockets() if s.endswith(f":{port}")]
    assert listening == [f"tcp://127.0.0.1:{port}"]


# TLS on the apiserver, etcd clients and etcd peers ports, from
# the test host with Python's OpenSSL. Refusals must be the server's alert,
# not the client declining to offer an old protocol.
TLS_PORTS = {APISERVER_PORT: "kubernetes", ETCD_CLIENT_PORT: "etcd", ETCD_PEER_PORT: "etcd"}
CBC_SUITES = ("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:"
              "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"
              "ECDHE-RSA-AES256-SHA384:AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256")
GCM_SUITES = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
              "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")


def handshake(name, port, versions, ciphers=None):
    """A TLS handshake limited to versions (and TLS 1.2 ciphers); (version, cipher)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(os.path.join(PKI_DIR, "ca", TLS_PORTS[port] + ".crt"))
    if TLS_PORTS[port] == "etcd":  # etcd requires a client certificate of its CA
        client = os.path.join(PKI_DIR, "nodes", name, "etcd-healthcheck-client")
        context.load_cert_chain(client + ".crt", client + ".key")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 and 1.1 on purpose
        context.minimum_version, context.maximum_version = versions
    if ciphers:
        context.set_ciphers(ciphers + ":@SECLEVEL=0")
    with socket.create_connection((ADDRESSES[name], port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=ADDRESSES[name]) as tls:
            return tls.version(), tls.cipher()[0]


@pytest.mark.parametrize("name", CONTROL_PLANE)
@pytest.mark.parametrize("port", sorted(TLS_PORTS))
@pytest.mark.parametrize("old", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1], ids=["tls1.0", "tls1.1"])
def test_tls_before_1_2_is_refused(name, port, old):
    with pytest.raises(ssl.SSLError) as refused:
        handshake(name, port, (old, old), "ALL")
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refused.value


@pytest.mark.parametrize("name", CONTROL_PLANE)
@pytest.mark.parametrize("port", sorted(TLS_PORTS))
def test_cbc_suites_are_refused(name, port):
    with pytest.raises(ssl.SSLError) as refused:
        handshake(name, port, (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2), CBC_SUITES)
    assert refused.value.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE", refused.value


@pytest.mark.parametrize("name", CONTROL_PLANE)
@pytest.mark.parametrize("port", sorted(TLS_PORTS))
def test_tls_1_2_with_gcm_and_tls_1_3_work(name, port):
    version, cipher = handshake(name, port, (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2), GCM_SUITES)
    assert version == "TLSv1.2" and "GCM" in cipher, (version, cipher)
    assert handshake(name, port, (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3))[0] == "TLSv1.3"
