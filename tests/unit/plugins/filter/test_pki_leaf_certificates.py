# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.pki_leaf_certificates import (
    FilterModule, pki_leaf_certificates)

SERVER = {"name": "etcd-server", "ca": "etcd", "common_name": "cp1", "usage": "both",
          "organizations": ["kthw:etcd"], "dns_names": ["cp1", "localhost"], "ip_addresses": ["127.0.0.1"]}
CLIENT = {"name": "apiserver-etcd-client", "ca": "etcd", "common_name": "kube-apiserver-etcd-client",
          "usage": "client"}


def test_a_leaf_becomes_an_entry_with_its_paths():
    entries = pki_leaf_certificates([SERVER], "/pki/nodes/cp1", "/pki/ca", [])
    assert entries == [{
        "path": "/pki/nodes/cp1/etcd-server.crt", "key_path": "/pki/nodes/cp1/etcd-server.key",
        "ca_path": "/pki/ca/etcd.crt", "ca_key_path": "/pki/ca/etcd.key",
        "common_name": "cp1", "organizations": ["kthw:etcd"], "dns_names": ["cp1", "localhost"],
        "ip_addresses": ["127.0.0.1"], "usage": "both", "force": False, "regenerate_key": False}]


def test_entries_keep_the_order_of_the_leaves():
    entries = pki_leaf_certificates([CLIENT, SERVER], "/c", "/a", [])
    assert [e["path"] for e in entries] == ["/c/apiserver-etcd-client.crt", "/c/etcd-server.crt"]
    assert pki_leaf_certificates([], "/c", "/a", []) == []


@pytest.mark.parametrize("missing", [{}, {"organizations": None, "dns_names": None, "ip_addresses": None},
                                     {"organizations": [], "dns_names": [], "ip_addresses": []}])
def test_optional_lists_default_to_empty(missing):
    leaf = dict(CLIENT, **missing)
    entry, = pki_leaf_certificates([leaf], "/c", "/a", [])
    assert (entry["organizations"], entry["dns_names"], entry["ip_addresses"]) == ([], [], [])


def test_the_lists_are_copies():
    entry, = pki_leaf_certificates([SERVER], "/c", "/a", [])
    entry["dns_names"].append("changed")
    assert SERVER["dns_names"] == ["cp1", "localhost"]


def test_reissue_without_prefix_forces_and_renews_the_key_of_named_leaves():
    entries = pki_leaf_certificates([SERVER, CLIENT], "/c", "/a", ["apiserver-etcd-client", "unknown"])
    assert [(e["force"], e["regenerate_key"]) for e in entries] == [(False, False), (True, True)]


def test_reissue_with_prefix_matches_only_prefixed_names():
    leaves = [SERVER, CLIENT]
    entries = pki_leaf_certificates(leaves, "/c", "/a", ["cp1/etcd-server", "cp2/apiserver-etcd-client"],
                                    reissue_prefix="cp1/")
    assert [e["force"] for e in entries] == [True, False]
    assert [e["regenerate_key"] for e in entries] == [True, False]
    # an unprefixed name does not match when a prefix is given
    entries = pki_leaf_certificates(leaves, "/c", "/a", ["etcd-server"], reissue_prefix="cp1/")
    assert [e["force"] for e in entries] == [False, False]


@pytest.mark.parametrize("reissue", [None, [], ()])
def test_nothing_to_reissue(reissue):
    entries = pki_leaf_certificates([SERVER], "/c", "/a", reissue)
    assert not entries[0]["force"] and not entries[0]["regenerate_key"]


def test_extra_keys_are_ignored():
    leaf = dict(CLIENT, dest="/etc/kubernetes/pki/x", owner="kube", component="kube-apiserver", hosts=["cp1"])
    assert pki_leaf_certificates([leaf], "/c", "/a", []) == pki_leaf_certificates([CLIENT], "/c", "/a", [])
    assert set(pki_leaf_certificates([leaf], "/c", "/a", [])[0]) == {
        "path", "key_path", "ca_path", "ca_key_path", "common_name", "organizations", "dns_names",
        "ip_addresses", "usage", "force", "regenerate_key"}


@pytest.mark.parametrize("key", ["name", "ca", "common_name", "usage"])
def test_a_malformed_leaf_names_the_missing_key(key):
    leaf = dict(SERVER)
    del leaf[key]
    with pytest.raises(AnsibleFilterError, match="malformed leaf, missing '%s'" % key):
        pki_leaf_certificates([CLIENT, leaf], "/c", "/a", [])


def test_a_leaf_that_is_not_a_mapping_is_refused():
    with pytest.raises(AnsibleFilterError, match="pki_leaf_certificates: every leaf must be a mapping"):
        pki_leaf_certificates(["etcd-server"], "/c", "/a", [])


def test_the_filter_is_registered():
    assert FilterModule().filters()["pki_leaf_certificates"] is pki_leaf_certificates
