"""The logic of an encryption-key rotation: which configuration an apiserver reports as loaded,
which key wrote a raw etcd value, the rewrite of every object (paged, throttled, conflicts
retried, deletions skipped), the wait on every apiserver and the canary."""

import base64
import json

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api import encryption
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.modules import etcd_encryption_audit, kube_encryption_loaded
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_clock import Clock

HASH = "sha256:" + "ab" * 32
METRICS = """# HELP apiserver_encryption_config_controller_last_config_info [ALPHA] Information about ...
# TYPE apiserver_encryption_config_controller_last_config_info gauge
apiserver_encryption_config_controller_last_config_info{apiserver_id_hash="sha256:%s",hash="%s"} 1
apiserver_encryption_config_controller_automatic_reloads_total{apiserver_id_hash="x",status="success"} 2
""" % ("cd" * 32, HASH)


def test_the_loaded_configuration_is_the_hash_of_the_files_bytes():
    assert encryption.config_hash(b"kind: EncryptionConfiguration\n") == encryption.config_hash(
        "kind: EncryptionConfiguration\n")
    assert encryption.config_hash("x").startswith("sha256:") and len(encryption.config_hash("x")) == 71
    assert encryption.loaded_hashes(METRICS) == {HASH}
    assert encryption.loaded_hashes(METRICS.replace("} 1\n", "} 0\n", 1)) == set()
    assert encryption.loaded_hashes("") == set()


@pytest.mark.parametrize("value, key", [
    (b"k8s:enc:secretbox:v1:key2:\x00\x01", "secretbox:key2"),
    (b"k8s:enc:aesgcm:v1:key10:....", "aesgcm:key10"),
    (b"k8s:enc:aescbc:v1:key1:", "aescbc:key1"),
    (b"k8s:enc:kms:v2:vault:\x0a", "kms:vault"),
    (b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret", "identity"),
    (b'{"kind":"Secret"}', "identity"),
])
def test_each_value_names_the_key_that_wrote_it(value, key):
    assert encryption.storage_key(value) == key


def test_only_core_resources_have_a_known_etcd_prefix():
    assert encryption.etcd_prefix("secrets") == "/registry/secrets/"
    for resource in ("*.*", "deployments.apps", "*."):
        with pytest.raises(KubeApiError, match="only core resources"):
            encryption.etcd_prefix(resource)


class FakeClient(object):
    """Secrets in memory; PUT answers 409 for names in conflicts (once each) and 404 for deleted."""

    def __init__(self, names, conflicts=(), deleted=(), page=None):
        self.objects = dict((n, {"metadata": {"name": n, "namespace": "ns", "resourceVersion": "1"},
                                 "data": {"v": "eA=="}}) for n in names)
        self.conflicts = set(conflicts)
        self.deleted = set(deleted)
        self.puts = []

    def request(self, method, path, query=None, body=None):
        if method == "GET" and path == "/api/v1/secrets":
            names = sorted(self.objects)
            start = int(query.get("continue", 0))
            chunk = names[start:start + query["limit"]]
            more = start + query["limit"] < len(names)
            return {"kind": "SecretList", "metadata": {"continue": str(start + query["limit"]) if more else ""},
                    "items": [json.loads(json.dumps(self.objects[n])) for n in chunk]}
        name = path.rsplit("/", 1)[1]
        if name in self.deleted:
            raise KubeApiError("gone", status_code=404)
        if method == "GET":
            return json.loads(json.dumps(self.objects[name]))
        assert method == "PUT" and path == "/api/v1/namespaces/ns/secrets/" + name
        assert body["kind"] == "Secret" and body["apiVersion"] == "v1"
        if name in self.conflicts:
            self.conflicts.discard(name)
            raise KubeApiError("conflict", status_code=409)
        self.puts.append(name)
        return body


def test_every_object_is_rewritten_across_pages_with_conflicts_retried_and_deletions_skipped():
    client = FakeClient(["s%02d" % i for i in range(7)], conflicts=["s03"], deleted=["s05"])
    clock = Clock()
    counts = encryption.rewrite(client, ["secrets"], per_second=0, page=3, sleep=clock.sleep, clock=clock)
    assert counts == {"secrets": {"rewritten": 6, "gone": 1, "conflicts": 1}}
    assert client.puts == ["s00", "s01", "s02", "s03", "s04", "s06"]


def test_the_rewrite_is_throttled():
    clock = Clock()
    encryption.rewrite(FakeClient(["a", "b", "c", "d", "e"]), ["secrets"], per_second=2, sleep=clock.sleep, clock=clock)
    assert clock.now == pytest.approx(2.0)


def test_a_conflict_that_persists_fails_and_other_errors_are_not_retried():
    client = FakeClient(["a"])
    client.request_orig = client.request

    def always_conflict(method, path, query=None, body=None):
        if method == "PUT":
            raise KubeApiError("conflict", status_code=409)
        return client.request_orig(method, path, query, body)

    client.request = always_conflict
    with pytest.raises(KubeApiError, match="conflict"):
        encryption.rewrite(client, ["secrets"], per_second=0, attempts=3)
    forbidden = FakeClient(["a"])
    forbidden.request_orig = forbidden.request
    forbidden.puts_seen = 0

    def refuse_writes(method, path, query=None, body=None):
        if method == "PUT":
            forbidden.puts_seen += 1
            raise KubeApiError("forbidden", status_code=403)
        return forbidden.request_orig(method, path, query, body)

    forbidden.request = refuse_writes
    with pytest.raises(KubeApiError, match="forbidden"):
        encryption.rewrite(forbidden, ["secrets"], per_second=0)
    assert forbidden.puts_seen == 1


def test_etcd_values_are_counted_by_key():
    kvs = [{"key": "x", "value": base64.b64encode(v).decode()} for v in
           (b"k8s:enc:secretbox:v1:key2:a", b"k8s:enc:secretbox:v1:key2:b", b"k8s:enc:secretbox:v1:key1:c", b"k8s\x00")]
    assert etcd_encryption_audit.count_keys(json.dumps({"header": {}, "kvs": kvs})) == {
        "secretbox:key2": 2, "secretbox:key1": 1, "identity": 1}
    assert etcd_encryption_audit.count_keys(json.dumps({"header": {}})) == {}


class MetricsClient(object):
    def __init__(self, answers):
        self.answers = list(answers)

    def request_text(self, path):
        assert path == "/metrics"
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_the_wait_ends_when_every_apiserver_reports_the_configuration():
    clock = Clock()
    old = METRICS.replace(HASH, "sha256:" + "00" * 32)
    clients = {"https://a:6443": MetricsClient([METRICS]),
               "https://b:6443": MetricsClient([old, KubeApiError("connection refused"), METRICS])}
    waited = kube_encryption_loaded.wait_loaded(clients, HASH, 60, sleep=clock.sleep, clock=clock)
    assert waited == {"https://a:6443": 0.0, "https://b:6443": 4.0}


def test_the_wait_names_every_late_apiserver_and_what_it_runs():
    clock = Clock()
    old = METRICS.replace(HASH, "sha256:" + "00" * 32)
    clients = {"https://a:6443": MetricsClient([METRICS]), "https://b:6443": MetricsClient([old])}
    with pytest.raises(KubeApiError) as failure:
        kube_encryption_loaded.wait_loaded(clients, HASH, 10, sleep=clock.sleep, clock=clock)
    message = str(failure.value)
    assert "https://b:6443 reports sha256:" + "00" * 32 in message and "https://a:6443 reports" not in message


class CanaryClient(object):
    """One shared store; reads through 'bad' see another value."""

    def __init__(self, store, bad=False):
        self.store, self.bad = store, bad

    def request(self, method, path, query=None, body=None):
        if method == "GET":
            if "canary" not in self.store:
                raise KubeApiError("not found", status_code=404)
            secret = json.loads(json.dumps(self.store["canary"]))
            if self.bad:
                secret["data"]["canary"] = "b3RoZXI="
            return secret
        self.store["canary"] = dict(body, metadata=dict(body["metadata"], resourceVersion="7"))
        self.store.setdefault("writes", []).append(method)
        return self.store["canary"]


def test_the_canary_is_written_once_and_read_back_through_each_apiserver():
    store = {}
    clients = {"a": CanaryClient(store), "b": CanaryClient(store)}
    kube_encryption_loaded.canary(clients, "kube-system", "kthw-encryption-canary")
    kube_encryption_loaded.canary(clients, "kube-system", "kthw-encryption-canary")
    assert store["writes"] == ["POST", "PUT"]
    clients["b"] = CanaryClient(store, bad=True)
    with pytest.raises(KubeApiError, match="b reads another value"):
        kube_encryption_loaded.canary(clients, "kube-system", "kthw-encryption-canary")
