# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.pki_node_files import pki_node_files


def test_leaf_becomes_certificate_then_private_key():
    leaves = [{"name": "etcd-server", "dest": "/etc/etcd/pki/server", "owner": "etcd", "component": "etcd"}]
    files = pki_node_files(leaves, [], "/pki/nodes/cp1")
    assert files == [
        {"file": {"src": "/pki/nodes/cp1/etcd-server.crt", "dest": "/etc/etcd/pki/server.crt",
                  "owner": "etcd", "group": "etcd", "mode": "0600"}, "component": "etcd"},
        {"file": {"src": "/pki/nodes/cp1/etcd-server.key", "dest": "/etc/etcd/pki/server.key",
                  "owner": "etcd", "group": "etcd", "mode": "0600"}, "component": "etcd"},
    ]


def test_shared_files_default_to_root():
    shared = [{"src": "/pki/ca/etcd.crt", "dest": "/etc/kubernetes/pki/etcd/ca.crt", "component": "kube-apiserver"},
              {"src": "/pki/service-account.key", "dest": "/etc/kubernetes/pki/sa.key",
               "component": "kube-controller-manager"}]
    files = pki_node_files([], shared, "/unused")
    assert [(f["file"]["owner"], f["file"]["group"], f["component"]) for f in files] == [
        ("root", "root", "kube-apiserver"), ("root", "root", "kube-controller-manager")]


def test_malformed_entry_is_refused():
    with pytest.raises(AnsibleFilterError, match="component"):
        pki_node_files([{"name": "x", "dest": "/x"}], [], "/pki")


def test_files_of_restarted_components_carry_their_restart_mark():
    leaves = [{"name": "etcd-server", "dest": "/etc/etcd/pki/server", "component": "etcd"},
              {"name": "etcd-healthcheck-client", "dest": "/etc/etcd/pki/healthcheck-client", "component": "etcdctl"}]
    shared = [{"src": "/pki/ca/kubernetes.crt", "dest": "/etc/kubernetes/pki/ca.crt", "component": "kube-apiserver"}]
    marks = {"etcd": "/var/lib/kthw/restart-owed/etcd", "kube-apiserver": "/var/lib/kthw/restart-owed/kube-apiserver"}
    files = pki_node_files(leaves, shared, "/pki/nodes/cp1", marks=marks)
    assert [(f["file"]["dest"], f["file"].get("marks")) for f in files] == [
        ("/etc/etcd/pki/server.crt", ["/var/lib/kthw/restart-owed/etcd"]),
        ("/etc/etcd/pki/server.key", ["/var/lib/kthw/restart-owed/etcd"]),
        ("/etc/etcd/pki/healthcheck-client.crt", None),  # read by etcdctl on demand: nothing to restart
        ("/etc/etcd/pki/healthcheck-client.key", None),
        ("/etc/kubernetes/pki/ca.crt", ["/var/lib/kthw/restart-owed/kube-apiserver"]),
    ]


def test_a_shared_file_may_be_content_read_by_several_components():
    shared = [{"content": "PEM one\nPEM two\n", "dest": "/etc/kubernetes/pki/sa.pub", "component": "kube-apiserver"},
              {"src": "/pki/service-account-sa2.key", "dest": "/etc/kubernetes/pki/sa.key",
               "component": ["kube-apiserver", "kube-controller-manager"]}]
    marks = {"kube-apiserver": "/owed/kube-apiserver", "kube-controller-manager": "/owed/kube-controller-manager"}
    files = pki_node_files([], shared, "/unused", marks=marks)
    assert files[0]["file"] == {"content": "PEM one\nPEM two\n", "dest": "/etc/kubernetes/pki/sa.pub",
                                "owner": "root", "group": "root", "mode": "0600", "marks": ["/owed/kube-apiserver"]}
    assert "src" not in files[0]["file"]
    assert files[1]["file"]["marks"] == ["/owed/kube-apiserver", "/owed/kube-controller-manager"]
    assert files[1]["component"] == ["kube-apiserver", "kube-controller-manager"]
