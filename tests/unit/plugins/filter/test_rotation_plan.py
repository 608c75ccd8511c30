# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.rotation_plan import rotation_plan


def leaf(host, name, component, serial, days_left=300):
    return {"id": "%s/%s" % (host, name), "host": host, "name": name, "component": component,
            "serial": serial, "days_left": days_left}


LEAVES = [
    leaf("cp1", "apiserver", "kube-apiserver", "a1", days_left=10),
    leaf("cp1", "etcd-peer", "etcd", "b1"),
    leaf("cp2", "apiserver", "kube-apiserver", "a2"),
    leaf("cp2", "etcd-peer", "etcd", "b2", days_left=29),
    {"id": "admin", "host": "localhost", "name": "admin", "component": "admin", "serial": "c1", "days_left": 300},
]


def ids(plan):
    return [entry["id"] for entry in plan]


@pytest.mark.parametrize("kwargs, expected", [
    ({}, ["cp1/apiserver", "cp1/etcd-peer", "cp2/apiserver", "cp2/etcd-peer", "admin"]),
    ({"names": ["apiserver"]}, ["cp1/apiserver", "cp2/apiserver"]),
    ({"components": ["etcd", "admin"]}, ["cp1/etcd-peer", "cp2/etcd-peer", "admin"]),
    ({"within_days": 30}, ["cp1/apiserver", "cp2/etcd-peer"]),
    ({"within_days": "10"}, []),
    ({"names": ["apiserver"], "within_days": 30}, ["cp1/apiserver"]),
    ({"names": ["apiserver"], "components": ["etcd"]}, []),
])
def test_filters_combine(kwargs, expected):
    assert ids(rotation_plan(LEAVES, **kwargs)) == expected


def test_fresh_plan_replaces_the_current_serials():
    plan = rotation_plan(LEAVES, names=["etcd-peer"])
    assert [(e["serial_before"], e["renewed"]) for e in plan] == [("b1", False), ("b2", False)]


def test_record_wins_over_filters_and_marks_what_was_renewed():
    record = {"started": "2026-11-23T12:00:00Z", "certificates": {"cp1/apiserver": "old1", "cp2/apiserver": "a2"}}
    plan = rotation_plan(LEAVES, names=["etcd-peer"], within_days=1, record=record)
    assert ids(plan) == ["cp1/apiserver", "cp2/apiserver"]
    assert [(e["serial_before"], e["renewed"]) for e in plan] == [("old1", True), ("a2", False)]


def test_empty_record_means_a_fresh_plan():
    assert ids(rotation_plan(LEAVES, names=["admin"], record={})) == ["admin"]


def test_malformed_leaves_fail_clearly():
    with pytest.raises(AnsibleFilterError, match="malformed"):
        rotation_plan([{"id": "x"}], names=["apiserver"])
