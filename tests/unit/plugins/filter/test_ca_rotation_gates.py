# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.ca_rotation_gates import ca_rotation_gates
from ansible_collections.kthw.control_plane.plugins.filter.ca_rotation_probes import ca_rotation_probes

PORTS = {"apiserver": 7443, "etcd_client": 2379, "etcd_peer": 2380, "controller_manager": 10257, "scheduler": 10259}
BOTH = {"name": "cp1", "address": "10.0.0.11", "control_plane": True, "etcd": True}
ALL = ["kubernetes", "etcd", "front-proxy"]


def _summary(gates):
    return [(g["probe"], g["expect_client"], g["server_ca_from"],
             [(e["host"], e["port"], e["server_name"]) for e in g["endpoints"]]) for g in gates]


def test_widening_asks_each_listener_to_accept_the_new_cas_and_trusts_both_for_servers():
    gates = ca_rotation_gates("widen", ALL, BOTH, PORTS)
    assert _summary(gates) == [
        ("kubernetes-new", "accepted", "trust", [("10.0.0.11", 7443, "kubernetes")]),
        ("front-proxy-new", "accepted", "trust", [("10.0.0.11", 7443, "kubernetes")]),
        ("etcd-new", "accepted", "trust", [("10.0.0.11", 2379, "cp1")]),
    ]
    # The front-proxy certificate authenticates as a proxy does.
    assert gates[1]["endpoints"][0]["headers"] == {"X-Remote-User": "kthw-ca-probe"}


def test_reissuing_checks_every_listener_serves_the_new_chain_directly():
    gates = ca_rotation_gates("reissue", ["kubernetes", "etcd"], BOTH, PORTS)
    chains = [g for g in gates if g["expect_client"] == "any"]
    assert [[(e["host"], e["port"]) for e in g["endpoints"]] for g in chains] == [
        [("10.0.0.11", 7443), ("127.0.0.1", 10257), ("127.0.0.1", 10259)],
        [("10.0.0.11", 2379), ("10.0.0.11", 2380)]]
    assert all(g["server_ca_from"] == "issuer" for g in gates)


def test_narrowing_also_asks_that_the_old_cas_are_refused():
    gates = ca_rotation_gates("narrow", ALL, BOTH, PORTS)
    refused = [g["probe"] for g in gates if g["expect_client"] == "refused"]
    assert refused == ["kubernetes-old", "front-proxy-old", "etcd-old"]


def test_only_the_rotated_cas_and_the_nodes_roles_count():
    etcd_only = {"name": "etcd4", "address": "10.0.0.14", "etcd": True}
    assert [g["probe"] for g in ca_rotation_gates("narrow", ["kubernetes"], etcd_only, PORTS)] == []
    assert [g["probe"] for g in ca_rotation_gates("widen", ["etcd"], etcd_only, PORTS)] == ["etcd-new"]


def test_the_way_back_keeps_the_old_cas_asks_for_their_chains_then_refuses_the_new_ones():
    unwind = ca_rotation_gates("unwind", ["kubernetes", "etcd"], BOTH, PORTS)
    assert [(g["probe"], g["expect_client"]) for g in unwind] == [
        ("kubernetes-old", "accepted"), ("etcd-old", "accepted"), (None, "any"), ("etcd-old", "any")]
    assert all(g["server_ca_from"] == "issuer" for g in unwind)
    assert "serves a chain of the old CA" in unwind[2]["name"]
    retract = ca_rotation_gates("retract", ALL, BOTH, PORTS)
    assert [g["probe"] for g in retract if g["expect_client"] == "refused"] == [
        "kubernetes-new", "front-proxy-new", "etcd-new"]
    assert [g["probe"] for g in retract if g["expect_client"] == "accepted"] == [
        "kubernetes-old", "front-proxy-old", "etcd-old"]


@pytest.mark.parametrize("step, cas, node, message", [
    ("shrink", ALL, BOTH, "step 'shrink'"),
    ("widen", ["kubernetes", "root"], BOTH, "unknown CA root"),
    ("widen", ALL, {"name": "cp1", "control_plane": True}, "malformed node or ports"),
])
def test_bad_input_says_what_is_wrong(step, cas, node, message):
    with pytest.raises(AnsibleFilterError, match=message):
        ca_rotation_gates(step, cas, node, PORTS)


def test_each_rotated_ca_gets_an_old_and_a_new_probe_from_the_right_ca():
    entries = ca_rotation_probes(["etcd", "front-proxy"], "/pki/probes", "/pki/ca")
    assert [(e["path"], e["ca_path"], e["common_name"], e["usage"]) for e in entries] == [
        ("/pki/probes/etcd-old.crt", "/pki/ca/etcd.crt", "kthw-ca-probe", "client"),
        ("/pki/probes/etcd-new.crt", "/pki/ca/etcd-next.crt", "kthw-ca-probe", "client"),
        ("/pki/probes/front-proxy-old.crt", "/pki/ca/front-proxy.crt", "front-proxy-client", "client"),
        ("/pki/probes/front-proxy-new.crt", "/pki/ca/front-proxy-next.crt", "front-proxy-client", "client")]
    with pytest.raises(AnsibleFilterError, match="unknown CA root"):
        ca_rotation_probes(["root"], "/p", "/c")
