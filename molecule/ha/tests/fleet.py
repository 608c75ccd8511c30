"""The ha fleet as the testinfra checks see it: its settings, addresses and the
operator's folders, and helpers to reach its nodes. Imported by the tests and by
conftest.py (which holds only the fixtures): `from fleet import ...`."""

import json
import os
import ssl
import urllib.error
import urllib.request

import testinfra
import testinfra.utils.ansible_runner
import yaml

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

with open(os.path.join(REPO_ROOT, "roles/cluster/defaults/main.yml"), encoding="utf-8") as _handle:
    CLUSTER_DEFAULTS = yaml.safe_load(_handle)
with open(os.path.join(REPO_ROOT, "tools/operator/site-settings.yml"), encoding="utf-8") as _handle:
    # The operator's inventory of the fleet carries these: non-default group names and ports.
    SITE_SETTINGS = yaml.safe_load(_handle)
SETTINGS = {**CLUSTER_DEFAULTS, **SITE_SETTINGS}
APISERVER_PORT = SETTINGS["cluster_apiserver_port"]
ENDPOINT_PORT = SETTINGS["cluster_api_endpoint_port"]
ETCD_CLIENT_PORT = SETTINGS["cluster_etcd_client_port"]
ETCD_PEER_PORT = SETTINGS["cluster_etcd_peer_port"]
KUBERNETES_VERSION = CLUSTER_DEFAULTS["cluster_kubernetes_version"]
ETCD_VERSION = CLUSTER_DEFAULTS["cluster_etcd_version"]


def hosts_of(group):
    """Host names of an inventory group, in a stable order."""
    return sorted(testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts(group))


def node(name):
    """A testinfra host for one named node of the fleet."""
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
# The operator's side (tools/setup/operator.sh): the unprivileged user that runs
# the collection, its site folder outside the repository, and the certificate
# set beside its inventory.
OPERATOR = os.environ.get("KTHW_OPERATOR") or "kthw-operator"
OPERATOR_HOME = os.environ.get("KTHW_OPERATOR_HOME") or os.path.join("/home", OPERATOR)
OPERATOR_SITE = os.path.join(OPERATOR_HOME, "site")
PKI_DIR = os.path.join(OPERATOR_SITE, "inventories", "ha", "pki")
ADDRESSES = {"cp1": "172.31.250.11", "cp2": "172.31.250.12", "cp3": "172.31.250.13",
             "lb1": "172.31.250.8", "lb2": "172.31.250.9"}
# The address lb1 and lb2 share (keepalived): the endpoint's.
ENDPOINT_ADDRESS = "172.31.250.10"


def https_get(url, cert=None, timeout=10):
    """GET with the cluster CA, optionally with a client certificate name from the PKI dir."""
    context = ssl.create_default_context(cafile=os.path.join(PKI_DIR, "ca", "kubernetes.crt"))
    if cert:
        context.load_cert_chain(os.path.join(PKI_DIR, cert + ".crt"), os.path.join(PKI_DIR, cert + ".key"))
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def side_effect_results(name):
    """What a side effect kept for the checks, <name>.json in the scenario's ephemeral folder."""
    with open(os.path.join(EPHEMERAL, name + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def words(text):
    """A playbook's output with its line breaks and indentation folded, to find a message in."""
    return " ".join(text.split())


def recap_changed_nothing(output):
    """Whether a playbook's output has a recap and every host in it changed nothing."""
    recap = [line for line in output.splitlines() if " changed=" in line]
    return bool(recap) and all(" changed=0 " in line for line in recap)


# A write that reaches etcd in the moment its leadership changes hands fails: raft drops proposals while the leader
# transfers (at once, or after the request timeout when a follower forwarded it), and kube-apiserver answers 500
# without retrying. The playbooks hand the leadership over before an etcd leader restarts, at most twice a roll.
ETCD_ELECTION_ERRORS = ("raft proposal dropped", "etcdserver: leader changed", "etcdserver: request timed out")


def failures_beyond_elections(probe, elections):
    """The probe's failures an etcd election does not explain; fails when elections explain more than one each."""
    from_elections = [f for f in probe["failures"] if any(error in f["error"] for error in ETCD_ELECTION_ERRORS)]
    assert len(from_elections) <= elections, (elections, probe["failures"])
    assert len(probe["failures"]) == probe["failed_rounds"], probe
    return [f for f in probe["failures"] if f not in from_elections]
