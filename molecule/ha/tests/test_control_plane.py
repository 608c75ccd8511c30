"""The whole control plane: leader election, tokens, endpoints, and losing a node."""

import json
import os

from fleet import ADDRESSES, ENDPOINT_PORT, EPHEMERAL, https_get


def test_each_lease_has_exactly_one_holder(kubectl):
    leases = json.loads(kubectl("-n", "kube-system", "get", "lease", "kube-controller-manager",
                                "kube-scheduler", "-o", "json").stdout)["items"]
    assert len(leases) == 2
    for lease in leases:
        holder = lease["spec"].get("holderIdentity", "")
        assert holder.split("_")[0] in ("cp1", "cp2", "cp3"), holder


def test_service_account_token_authenticates(kubectl):
    kubectl("create", "serviceaccount", "kthw-token-probe", check=False)
    token = kubectl("create", "token", "kthw-token-probe", "--duration=10m").stdout.strip()
    who = json.loads(kubectl("auth", "whoami", "-o", "json", f"--token={token}", kubeconfig=None).stdout)
    assert who["status"]["userInfo"]["username"] == "system:serviceaccount:default:kthw-token-probe"


def test_kubernetes_service_has_three_endpoints(kubectl):
    slices = json.loads(kubectl("get", "endpointslices", "-n", "default",
                                "-l", "kubernetes.io/service-name=kubernetes", "-o", "json").stdout)["items"]
    addresses = sorted({a for s in slices for e in s["endpoints"] for a in e["addresses"]})
    assert addresses == sorted(ADDRESSES[n] for n in ("cp1", "cp2", "cp3"))


def test_load_balancer_serves_the_api(kubectl):
    assert https_get(f"https://172.31.250.10:{ENDPOINT_PORT}/readyz") == (200, "ok")
    assert "kube-system" in kubectl("get", "namespaces").stdout


def test_losing_a_node_recovers_within_30s_and_stays_green():
    with open(os.path.join(EPHEMERAL, "failover.json"), encoding="utf-8") as handle:
        result = json.load(handle)
    probe = result["probe"]
    print("failover probe:", json.dumps(probe))
    assert probe["rounds"] >= 120  # at least half a minute of probing
    times = [f["at_s"] for f in probe["failures"]]
    if times:
        # Every failure falls inside one window of at most 30 s: green again, and green after.
        assert max(times) - min(times) <= 30, probe["failures"]
    before = {l["metadata"]["name"]: l["spec"]["holderIdentity"] for l in result["leases_before"]["items"]}
    after = {l["metadata"]["name"]: l["spec"]["holderIdentity"] for l in result["leases_after"]["items"]}
    for name, holder in after.items():
        assert not holder.startswith("cp1_")
        if not before[name].startswith("cp1_"):
            assert holder == before[name]


def test_a_stopped_node_drains_its_apiserver_cleanly():
    # docker stop --time 30 leaves time for the apiserver's 5 s shutdown delay: systemd stops
    # it, it drains and exits by itself, nothing is killed.
    with open(os.path.join(EPHEMERAL, "failover.json"), encoding="utf-8") as handle:
        journal = "\n".join(json.load(handle)["apiserver_stop"])
    assert "Stopping kube-apiserver.service" in journal, journal
    assert "Deactivated successfully" in journal, journal
    assert "Killing" not in journal and "SIGKILL" not in journal, journal
