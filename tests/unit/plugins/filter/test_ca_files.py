# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.ca_files import ca_files


def _names(entry):
    return entry["cert"].rsplit("/", 1)[1], entry["key"].rsplit("/", 1)[1], [p.rsplit("/", 1)[1] for p in entry["trust"]]


def test_without_a_rotation_each_ca_is_its_own_file():
    files = ca_files({}, "/pki/ca")
    assert sorted(files) == ["etcd", "front-proxy", "kubernetes"]
    assert _names(files["etcd"]) == ("etcd.crt", "etcd.key", ["etcd.crt"])


@pytest.mark.parametrize("phase, issuer, trusted", [
    ("widening", "kubernetes", ["kubernetes.crt", "kubernetes-next.crt"]),
    ("reissuing", "kubernetes-next", ["kubernetes.crt", "kubernetes-next.crt"]),
    ("narrowing", "kubernetes-next", ["kubernetes-next.crt"]),
    # A rollback: the old CA issues again, then is trusted alone.
    ("unwinding", "kubernetes", ["kubernetes.crt", "kubernetes-next.crt"]),
    ("retracting", "kubernetes", ["kubernetes.crt"]),
    ("retracted", "kubernetes", ["kubernetes.crt"]),
])
def test_each_phase_names_who_issues_and_who_is_trusted(phase, issuer, trusted):
    files = ca_files({"phase": phase, "cas": ["kubernetes"]}, "/pki/ca")
    assert _names(files["kubernetes"]) == (issuer + ".crt", issuer + ".key", trusted)
    # The CAs outside the rotation are untouched.
    assert _names(files["front-proxy"]) == ("front-proxy.crt", "front-proxy.key", ["front-proxy.crt"])


def test_the_bundle_is_the_same_while_the_issuer_switches():
    widening = ca_files({"phase": "widening", "cas": ["etcd"]}, "/pki/ca")["etcd"]["trust"]
    reissuing = ca_files({"phase": "reissuing", "cas": ["etcd"]}, "/pki/ca")["etcd"]["trust"]
    assert widening == reissuing


def test_narrowed_follows_the_new_ca_through_its_rename(tmp_path):
    record = {"phase": "narrowed", "cas": ["etcd"]}
    (tmp_path / "etcd-next.crt").write_text("new")
    assert _names(ca_files(record, str(tmp_path))["etcd"]) == ("etcd-next.crt", "etcd-next.key", ["etcd-next.crt"])
    (tmp_path / "etcd-next.crt").unlink()
    assert _names(ca_files(record, str(tmp_path))["etcd"]) == ("etcd.crt", "etcd.key", ["etcd.crt"])


@pytest.mark.parametrize("record, message", [
    ({"phase": "half", "cas": ["etcd"]}, "phase 'half'"),
    ({"cas": ["etcd"]}, "phase None"),
    (["etcd"], "must be a dict"),
])
def test_a_broken_record_says_what_is_wrong(record, message):
    with pytest.raises(AnsibleFilterError, match=message):
        ca_files(record, "/pki/ca")
