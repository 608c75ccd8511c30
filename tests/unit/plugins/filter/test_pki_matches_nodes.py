# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pki_matches_nodes: the controller's set reaches the nodes only when it loses nothing they hold."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.pki_matches_nodes import pki_matches_nodes

PKI = "/srv/site/pki"
K8S = "1a" * 32
K8S_OTHER = "1b" * 32
ETCD = "2a" * 32
ETCD_OTHER = "2b" * 32
PROXY = "3a" * 32
SA = "4a" * 32
SA_OTHER = "4b" * 32
KEY = "5a" * 32
KEY_OTHER = "5b" * 32
SECRETBOX = (("secretbox", (("key1", KEY),)), ("identity", ()))
RESTORE = ": restore cluster_pki_dir from your backup (or point cluster_pki_dir at it)"
BY_HAND = ": find the set the cluster runs on and restore it on the other nodes by hand; site.yml never chooses one"


def short(digest):
    return "sha256:%s.." % digest[:16]


def entry(name, path, kind, digests=None, error=None, providers=None):
    found = {"name": name, "path": path, "kind": kind, "exists": digests is not None or bool(error)
             or providers is not None}
    if error:
        found["error"] = error
    elif providers is not None:
        found["providers"] = [{"provider": p, "keys": [{"name": n, "sha256": d} for n, d in keys]}
                              for p, keys in providers]
    elif digests is not None:
        found["sha256"] = list(digests)
    return found


def node(k8s=(K8S,), etcd=(ETCD,), etcd_member=(ETCD,), proxy=(PROXY,), sa=(SA,), encryption=SECRETBOX,
         errors=None):
    """What node_pki_facts returns for a control-plane node that is also an etcd member; None: no file."""
    errors = errors or {}
    return [
        entry("etcd CA", "/etc/etcd/pki/ca.crt", "certificate", etcd_member),
        entry("kubernetes CA", "/etc/kubernetes/pki/ca.crt", "certificate", k8s, errors.get("kubernetes CA")),
        entry("etcd CA", "/etc/kubernetes/pki/etcd/ca.crt", "certificate", etcd),
        entry("front-proxy CA", "/etc/kubernetes/pki/front-proxy-ca.crt", "certificate", proxy),
        entry("service-account key", "/etc/kubernetes/pki/sa.pub", "public_key", sa),
        entry("encryption key", "/etc/kubernetes/encryption-config.yaml", "encryption_config",
              providers=encryption, error=errors.get("encryption key")),
    ]


EMPTY = node(None, None, None, None, None, None)


def controller(k8s=(K8S,), etcd=(ETCD,), proxy=(PROXY,), sa=(SA,), key=(KEY,), provider="secretbox", errors=None):
    errors = errors or {}
    return [
        entry("kubernetes CA", PKI + "/ca/kubernetes.crt", "certificate", k8s),
        entry("etcd CA", PKI + "/ca/etcd.crt", "certificate", etcd),
        entry("front-proxy CA", PKI + "/ca/front-proxy.crt", "certificate", proxy),
        entry("service-account key", PKI + "/service-account.key", "private_key", sa,
              errors.get("service-account key")),
        entry("encryption key", PKI + "/encryption-key-" + provider, "encryption_key", key),
    ]


NO_FOLDER = controller(None, None, None, None, None)


def three(first, second=None, third=None):
    return {"cp1": first, "cp2": second or first, "cp3": third or first}


CASES = [
    # A new cluster: the nodes hold nothing, whatever the controller has.
    ("new cluster, no folder yet", three(EMPTY), NO_FOLDER, "secretbox", []),
    ("new cluster, folder issued", three(EMPTY), controller(), "secretbox", []),
    ("new cluster, any provider", three(EMPTY), NO_FOLDER, "aesgcm", []),
    # The nodes hold the controller's set.
    ("same set", three(node()), controller(), "secretbox", []),
    ("a new node joins holding nothing", dict(three(node()), cp4=EMPTY), controller(), "secretbox", []),
    ("an earlier run stopped before the apiservers", three(node(encryption=None)), controller(key=None),
     "secretbox", []),
    ("the controller adds a CA to the trust", three(node()), controller(k8s=(K8S, K8S_OTHER)), "secretbox", []),
    ("keys are compared by digest, not by name",
     three(node(encryption=[("secretbox", [("renamed", KEY)]), ("identity", [])])), controller(), "secretbox", []),
    ("encryption was off: turning it on loses nothing", three(node(encryption=[("identity", [])])), controller(),
     "secretbox", []),
    ("etcd-only members hold the etcd CA", {"etcd1": [node()[0]], "etcd2": [node()[0]]}, controller(),
     "secretbox", []),
    # The controller's folder is missing, moved or another cluster's.
    ("folder missing", three(node()), NO_FOLDER, "secretbox", [
        "cp1, cp2, cp3 hold the kubernetes CA %s, the etcd CA %s, the front-proxy CA %s, the service-account key %s "
        "and the encryption key %s but %s has none%s"
        % (short(K8S), short(ETCD), short(PROXY), short(SA), short(KEY), PKI, RESTORE)]),
    ("etcd-only members, folder missing", {"etcd1": [node()[0]], "etcd2": [node()[0]]}, NO_FOLDER, "secretbox", [
        "etcd1, etcd2 hold the etcd CA %s but %s has none%s" % (short(ETCD), PKI, RESTORE)]),
    ("one node, folder missing", {"cp1": node()}, controller(sa=None), "secretbox", [
        "cp1 holds the service-account key %s but %s has none%s" % (short(SA), PKI, RESTORE)]),
    ("another kubernetes CA", three(node()), controller(k8s=(K8S_OTHER,)), "secretbox", [
        "cp1, cp2, cp3 hold the kubernetes CA %s but %s/ca/kubernetes.crt is %s%s"
        % (short(K8S), PKI, short(K8S_OTHER), RESTORE)]),
    ("another service-account key", three(node()), controller(sa=(SA_OTHER,)), "secretbox", [
        "cp1, cp2, cp3 hold the service-account key %s but %s/service-account.key is %s%s"
        % (short(SA), PKI, short(SA_OTHER), RESTORE)]),
    ("another encryption key", three(node()), controller(key=(KEY_OTHER,)), "secretbox", [
        "cp1, cp2, cp3 hold the encryption key %s but %s/encryption-key-secretbox is %s%s"
        % (short(KEY), PKI, short(KEY_OTHER), RESTORE)]),
    ("a second key on the nodes would be dropped",
     three(node(encryption=[("secretbox", [("key1", KEY), ("key0", KEY_OTHER)]), ("identity", [])])),
     controller(), "secretbox", [
         "cp1, cp2, cp3 hold the encryption key %s and %s but %s/encryption-key-secretbox is %s%s"
         % (short(KEY), short(KEY_OTHER), PKI, short(KEY), RESTORE)]),
    ("a CA the nodes trust would be dropped", three(node(k8s=(K8S, K8S_OTHER))), controller(), "secretbox", [
        "cp1, cp2, cp3 hold the kubernetes CA %s and %s but %s/ca/kubernetes.crt is %s%s"
        % (short(K8S), short(K8S_OTHER), PKI, short(K8S), RESTORE)]),
    ("the controller's key cannot be read", three(node()),
     controller(errors={"service-account key": "is not an unencrypted PEM private key"}), "secretbox", [
         "cp1, cp2, cp3 hold the service-account key %s but %s/service-account.key is not an unencrypted PEM "
         "private key%s" % (short(SA), PKI, RESTORE)]),
    # The encryption provider changed.
    ("provider changed", {"cp1": node()}, controller(key=None, provider="aesgcm"), "aesgcm", [
        "cp1 encrypts with secretbox; kube_apiserver_encryption_provider is aesgcm: changing the provider is a key "
        "rotation: run kthw.control_plane.rotate_encryption_key to move to aesgcm, or set it back to secretbox"]),
    ("provider changed on every node, folder missing too", three(node()), NO_FOLDER, "aescbc", [
        "cp1, cp2, cp3 hold the kubernetes CA %s, the etcd CA %s, the front-proxy CA %s and the service-account key "
        "%s but %s has none%s" % (short(K8S), short(ETCD), short(PROXY), short(SA), PKI, RESTORE),
        "cp1, cp2, cp3 encrypt with secretbox; kube_apiserver_encryption_provider is aescbc: changing the provider "
        "is a key rotation: run kthw.control_plane.rotate_encryption_key to move to aescbc, or set it back to secretbox"]),
    # The nodes disagree among themselves.
    ("nodes disagree on a CA", three(node(), node(), node(k8s=(K8S_OTHER,))), controller(), "secretbox", [
        "the nodes disagree on the kubernetes CA: cp1, cp2 hold %s; cp3 holds %s (%s/ca/kubernetes.crt is %s)%s"
        % (short(K8S), short(K8S_OTHER), PKI, short(K8S), BY_HAND)]),
    ("one node's two etcd CA copies differ", three(node(), node(etcd_member=(ETCD_OTHER,))), NO_FOLDER, "secretbox", [
        "cp1, cp2, cp3 hold the kubernetes CA %s, the front-proxy CA %s, the service-account key %s and the "
        "encryption key %s but %s has none%s" % (short(K8S), short(PROXY), short(SA), short(KEY), PKI, RESTORE),
        "the nodes disagree on the etcd CA: cp1, cp3 hold %s; cp2 holds %s and %s (%s has none)%s"
        % (short(ETCD), short(ETCD), short(ETCD_OTHER), PKI, BY_HAND)]),
    ("nodes disagree on the provider",
     three(node(), node(), node(encryption=[("aescbc", [("key1", KEY_OTHER)]), ("identity", [])])),
     controller(), "secretbox", [
         "the nodes disagree on the encryption provider: cp1, cp2 encrypt with secretbox; cp3 encrypts with aescbc"
         + BY_HAND]),
    # A node's file that cannot be read is never replaced.
    ("a node's file cannot be read", three(node(), node(k8s=None, errors={"kubernetes CA": "holds no PEM certificate"})),
     controller(), "secretbox", [
         "cp2: /etc/kubernetes/pki/ca.crt holds no PEM certificate, and site.yml does not replace what it cannot "
         "read: restore that file from a backup or move it aside"]),
]


@pytest.mark.parametrize("nodes, ours, provider, expected", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_decision(nodes, ours, provider, expected):
    assert pki_matches_nodes(nodes, ours, PKI, provider) == expected


def test_a_host_without_files_holds_nothing():
    assert pki_matches_nodes({"cp1": node(), "lb": None}, controller(), PKI, "secretbox") == []


@pytest.mark.parametrize("nodes", [{"cp1": [{"kind": "certificate"}]}, {"cp1": 5}])
def test_malformed_input_fails_clearly(nodes):
    with pytest.raises(AnsibleFilterError, match="malformed"):
        pki_matches_nodes(nodes, controller(), PKI, "secretbox")
