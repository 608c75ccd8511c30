"""kube-apiserver: ready behind mutual TLS, anonymous only on health, secrets encrypted and audited."""

import base64
import json
import os

import pytest
from fleet import ADDRESSES, APISERVER_PORT, EPHEMERAL, ETCD_CLIENT_PORT, PKI_DIR, hosts_of, https_get, node

testinfra_hosts = hosts_of("control_plane")

CONTROL_PLANE = hosts_of("control_plane")
MARKER = "kthw-marker-5e1f0c"


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_readyz_with_admin_credential(name):
    assert https_get(f"https://{ADDRESSES[name]}:{APISERVER_PORT}/readyz", cert="admin") == (200, "ok")


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_anonymous_only_on_health_paths(name):
    assert https_get(f"https://{ADDRESSES[name]}:{APISERVER_PORT}/api")[0] == 401
    assert https_get(f"https://{ADDRESSES[name]}:{APISERVER_PORT}/readyz") == (200, "ok")
    assert https_get(f"https://{ADDRESSES[name]}:{APISERVER_PORT}/livez") == (200, "ok")


def test_health_proxy_serves_only_health(host):
    assert host.socket("tcp://0.0.0.0:80").is_listening
    for path in ("healthz", "livez", "readyz"):
        assert host.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1/{path}") == "200"
    for path in ("api", "apis", "metrics", "", "healthz/etcd"):
        assert host.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1/{path}") == "404"


def test_hardening_flags_on_the_command_line(host):
    args = host.process.get(comm="kube-apiserver").args
    for flag in ("--profiling=false", "--authorization-mode=Node,RBAC", "--tls-min-version=VersionTLS12",
                 "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs", "--service-account-lookup=true",
                 "--service-account-extend-token-expiration=false",
                 "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
                 "--encryption-provider-config=/etc/kubernetes/encryption-config.yaml",
                 "--audit-log-path=/var/log/kubernetes/audit/audit.log", "--audit-log-maxage=30"):
        assert flag in args, flag
    assert "--anonymous-auth" not in args  # the authentication config decides


def test_secret_is_encrypted_in_etcd(kubectl):
    kubectl("delete", "secret", "kthw-encryption-probe", "--ignore-not-found")
    kubectl("create", "secret", "generic", "kthw-encryption-probe", f"--from-literal=value={MARKER}")
    cp1 = node("cp1")
    pki = "/etc/etcd/pki"
    raw = json.loads(cp1.check_output(
        f"etcdctl --endpoints=https://127.0.0.1:{ETCD_CLIENT_PORT} --cacert={pki}/ca.crt --cert={pki}/healthcheck-client.crt "
        f"--key={pki}/healthcheck-client.key get /registry/secrets/default/kthw-encryption-probe -w json"))
    value = base64.b64decode(raw["kvs"][0]["value"])
    # The first key of the ring the apiservers write with (secretbox's key1 until a rotation
    # recorded another, maybe of another provider).
    record = os.path.join(PKI_DIR, "encryption-keys.json")
    first = {"provider": "secretbox", "name": "key1"}
    if os.path.exists(record):
        with open(record, encoding="utf-8") as handle:
            first = json.load(handle)["ring"][0]
    assert value.startswith(f"k8s:enc:{first['provider']}:v1:{first['name']}:".encode()), value[:40]
    assert MARKER.encode() not in value
    assert base64.b64encode(MARKER.encode()) not in value


def test_encryption_config_identical_and_private():
    digests = set()
    for name in CONTROL_PLANE:
        config = node(name).file("/etc/kubernetes/encryption-config.yaml")
        assert (config.user, config.group, config.mode) == ("root", "root", 0o600)
        digests.add(config.sha256sum)
    assert len(digests) == 1


def test_secret_create_is_audited_without_its_value(kubectl):
    kubectl("get", "secret", "kthw-encryption-probe")
    events = []
    for name in CONTROL_PLANE:
        log = node(name).run("cat /var/log/kubernetes/audit/audit.log").stdout
        assert MARKER not in log
        # The apiserver appends while we read, so the last line may be half written: leave it out.
        for line in log.split("\n")[:-1]:
            event = json.loads(line)
            ref = event.get("objectRef", {})
            if ref.get("resource") == "secrets" and ref.get("name") == "kthw-encryption-probe" and event["verb"] == "create":
                events.append(event)
    assert events, "no audit event for the secret's creation"
    assert all(e["level"] == "Metadata" and "requestObject" not in e for e in events)


def test_rbac_bootstrap_objects(kubectl):
    role = json.loads(kubectl("get", "clusterrole", "kthw:kube-apiserver-to-kubelet", "-o", "json").stdout)
    assert set(role["rules"][0]["resources"]) == {"nodes/proxy", "nodes/stats", "nodes/log", "nodes/spec", "nodes/metrics"}
    binding = json.loads(kubectl("get", "clusterrolebinding", "kthw:cluster-admins", "-o", "json").stdout)
    assert binding["roleRef"]["name"] == "cluster-admin"
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "kthw:cluster-admins"}]


def test_admin_may_and_stranger_may_not(kubectl):
    assert kubectl("auth", "can-i", "delete", "secrets", "--all-namespaces").stdout.strip() == "yes"
    stranger = kubectl("auth", "can-i", "get", "secrets", kubeconfig=os.path.join(EPHEMERAL, "nobody.kubeconfig"), check=False)
    assert stranger.stdout.strip() == "no"


def test_admin_is_not_system_masters(kubectl):
    who = json.loads(kubectl("auth", "whoami", "-o", "json").stdout)
    assert "system:masters" not in who["status"]["userInfo"].get("groups", [])
    assert "kthw:cluster-admins" in who["status"]["userInfo"]["groups"]
