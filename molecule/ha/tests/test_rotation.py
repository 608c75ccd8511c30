"""Certificate rotation (playbooks/rotate_certs.yml), from the results the side
effects kept in rotation.json and the serials recorded around each run."""

import json
import os

import pytest
from fleet import APISERVER_PORT, EPHEMERAL, ETCD_CLIENT_PORT, ETCD_PEER_PORT, hosts_of

NODES = hosts_of("control_plane")
CA_FILES = ["ca/kubernetes.crt", "ca/etcd.crt", "ca/front-proxy.crt"]
# Every node is an etcd member and a control-plane node: 3 etcd leaves, 8 control-plane ones
# (the controller-manager's and scheduler's serving certificates among them).
LEAVES_PER_NODE = 11


def load(name):
    with open(os.path.join(EPHEMERAL, name), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def rotation():
    return load("rotation.json")


def changed_by_host(recap):
    return {host: int(changed) for host, changed, _unreachable, _failed in recap}


def test_refused_with_a_node_down_and_touched_nothing(rotation):
    refused = rotation["refused"]
    assert refused["rc"] != 0
    assert "cp3 did not answer" in " ".join(refused["output"].split())
    assert "Nothing was rotated" in " ".join(refused["output"].split())
    assert rotation["refused"]["readyz_on_two_nodes"] == "ok"
    assert load("rotation-refused-after.json") == load("rotation-before.json")


def test_check_mode_lists_every_leaf_and_changes_nothing(rotation):
    check = rotation["check"]
    assert check["rc"] == 0
    plan = " ".join(check["output"].split())
    assert f"would rotate {LEAVES_PER_NODE * len(NODES) + 2} certificate(s)" in plan
    for name in NODES:
        assert f"{name}/apiserver" in plan and f"{name}/etcd-peer" in plan
    assert check["record_left"] is False  # checked right after the check run
    assert load("rotation-check-after.json") == load("rotation-before.json")


def test_rotation_renewed_every_leaf_and_no_ca(rotation):
    assert rotation["rotation"]["rc"] == 0
    before, after = load("rotation-before.json"), load("rotation-after.json")
    assert sorted(before) == sorted(after)
    leaves = [path for path in before if path.startswith("nodes/") or path in ("admin.crt", "break-glass.crt")]
    assert len(leaves) == LEAVES_PER_NODE * len(NODES) + 2
    assert [path for path in leaves if before[path] == after[path]] == []
    assert [after[path] for path in CA_FILES] == [before[path] for path in CA_FILES]
    secrets = rotation["rotation"]
    assert len(secrets["secrets_before"]) == 5
    assert secrets["secrets_after"] == secrets["secrets_before"]  # CA, service-account, encryption keys
    assert secrets["record_left"] is False


def test_every_served_certificate_is_the_new_one(rotation):
    before, after = rotation["served_before"], rotation["served_after"]
    issued = load("rotation-after.json")
    assert sorted(after) == sorted(f"{name}:{port}" for name in NODES for port in (APISERVER_PORT, ETCD_CLIENT_PORT, ETCD_PEER_PORT))
    for endpoint, served in after.items():
        name, port = endpoint.split(":")
        leaf = {str(APISERVER_PORT): "apiserver", str(ETCD_CLIENT_PORT): "etcd-server", str(ETCD_PEER_PORT): "etcd-peer"}[port]
        assert served["serial"] == issued[f"nodes/{name}/{leaf}.crt"], endpoint
        assert served["serial"] != before[endpoint]["serial"], endpoint
        assert served["not_after"] > before[endpoint]["not_after"], endpoint


def test_no_probe_request_failed_during_the_rotation(rotation):
    probe = rotation["probe"]
    print(f"rotation probe: {probe['rounds']} rounds, {probe['requests']} requests, "
          f"{probe['failed_rounds']} failed, over {probe['seconds']} s")
    assert probe["failed_rounds"] == 0, probe["failures"]
    assert probe["rounds"] >= 100  # it ran through the whole rotation


def test_data_written_before_reads_back(rotation):
    assert rotation["marker_after"] == "before-rotation"


def test_nothing_due_changes_nothing(rotation):
    due = rotation["due"]
    assert due["rc"] == 0
    assert "nothing to rotate" in due["output"]
    assert set(changed_by_host(due["recap"]).values()) == {0}


def test_expiry_report_fails_a_monitor_threshold(rotation):
    monitor = rotation["monitor"]
    output = " ".join(monitor["output"].split())
    assert monitor["rc"] != 0
    # Every leaf on the nodes (365 days), none of the CAs (3650 days).
    assert f"{LEAVES_PER_NODE * len(NODES)} certificate(s) expire within 400 days" in output
    assert "Renew them with kthw.control_plane.rotate_certs" in output
