"""Encryption key rotation (playbooks/rotate_encryption_key.yml), from the results the side
effect kept in encryption_rotation.json, and from the fleet itself: etcd's raw bytes, every
node's configuration, the keys kept on the controller and the snapshot taken before."""

import base64
import json
import os

import pytest
import yaml
from fleet import ETCD_CLIENT_PORT, EPHEMERAL, PKI_DIR, hosts_of, node

NODES = hosts_of("control_plane")
ETCD_PKI = "/etc/etcd/pki"


@pytest.fixture(scope="module")
def rotation():
    with open(os.path.join(EPHEMERAL, "encryption_rotation.json"), encoding="utf-8") as handle:
        return json.load(handle)


def words(text):
    return " ".join(text.split())


def etcd_values(prefix):
    raw = json.loads(node("cp1").check_output(
        f"etcdctl --endpoints=https://127.0.0.1:{ETCD_CLIENT_PORT} --cacert={ETCD_PKI}/ca.crt "
        f"--cert={ETCD_PKI}/healthcheck-client.crt --key={ETCD_PKI}/healthcheck-client.key "
        f"get --prefix {prefix} -w json"))
    return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv["value"]) for kv in raw.get("kvs", [])}


def test_check_mode_lists_the_phases_and_records_nothing(rotation):
    check = rotation["check"]
    assert check["rc"] == 0 and not check["record_left"]
    plan = words(check["output"])
    assert "Would rotate from secretbox:key1 to a new key aescbc:key2" in plan
    for phase in ("E0 etcd snapshot", "E1 add the new key second", "E2 the new key first", "E3 rewrite",
                  "E4 etcd snapshot", "E5 remove the old keys"):
        assert phase in plan, phase


def test_a_run_stopped_after_e1_is_recorded_and_the_next_run_finishes_it(rotation):
    stopped = rotation["stopped"]
    assert stopped["rc"] != 0
    assert "not every apiserver runs the encryption configuration" in words(stopped["output"])
    assert stopped["record"]["rotation"]["phase"] == "added"
    assert [k["name"] for k in stopped["record"]["ring"]] == ["key1", "key2"]
    finished = rotation["finished"]
    assert finished["rc"] == 0
    assert "finish the rotation to aescbc:key2" in words(finished["output"])


def test_the_record_keeps_the_new_key_and_retires_the_old(rotation):
    record = rotation["record"]
    assert record["rotation"] is None
    assert record["ring"] == [{"name": "key2", "provider": "aescbc", "file": "encryption-key-aescbc-key2"}]
    assert [(k["name"], k["file"]) for k in record["retired"]] == [("key1", "encryption-key-secretbox")]
    for key in record["ring"] + record["retired"]:
        path = os.path.join(PKI_DIR, key["file"])
        assert oct(os.stat(path).st_mode & 0o777) == oct(0o600), path


def test_no_request_failed_during_the_rotation(rotation):
    probe = rotation["probe"]
    print(f"encryption rotation probe: {probe['rounds']} rounds, {probe['failed_rounds']} failed over {probe['seconds']} s")
    assert probe["rounds"] > 100
    assert probe["failed_rounds"] == 0, probe["failures"]


def test_every_secret_written_before_reads_back(rotation):
    count = rotation["secrets_count"]
    assert sorted(rotation["names_after"]) == sorted(f"kept-{i}" for i in range(count))
    assert sorted(rotation["values_after"]) == sorted(f"written-before-{i}" for i in range(count))


def test_every_secret_in_etcd_is_written_with_the_new_key():
    values = etcd_values("/registry/secrets/")
    assert len(values) > 300
    others = {key: value[:30] for key, value in values.items() if not value.startswith(b"k8s:enc:aescbc:v1:key2:")}
    assert not others


def test_every_node_reads_only_the_new_key():
    for name in NODES:
        config = yaml.safe_load(node(name).file("/etc/kubernetes/encryption-config.yaml").content_string)
        providers = config["resources"][0]["providers"]
        assert [list(p) for p in providers] == [["aescbc"], ["identity"]], name
        assert [k["name"] for k in providers[0]["aescbc"]["keys"]] == ["key2"], name


def test_the_snapshot_before_needs_the_old_key_which_is_kept(rotation):
    # The snapshot before the rotation (E0) and the one after the rewrite (E4).
    assert len(rotation["snapshots_new"]) == 2
    before = min(rotation["snapshots_new"])
    with open(before, "rb") as handle:
        data = handle.read()
    assert b"k8s:enc:secretbox:v1:key1:" in data
    assert b"k8s:enc:aescbc:v1:key2:" not in data
    assert os.path.isfile(os.path.join(PKI_DIR, "encryption-key-secretbox"))
