"""The version-skew rules of an upgrade, by tables: what each node holds, the pinned releases, and
the sentences that refuse them (none when the upgrade may go)."""

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._release.skew import (
    etcd_refusals, kubernetes_refusals, minor_of, parse)

MINIMUMS = {"3.7": "3.6.11"}


def cluster(apiserver="1.36.3", clients="1.36.3", etcd="3.6.16", nodes=("cp1", "cp2", "cp3"), **per_node):
    """Every node holding the same releases, but for the per_node overrides ({"cp2": {"etcd": "3.7.0"}})."""
    held = {}
    for name in nodes:
        releases = {"kube-apiserver": apiserver, "kube-controller-manager": clients, "kube-scheduler": clients, "etcd": etcd}
        releases.update(per_node.get(name, {}))
        held[name] = dict((component, {"version": version}) for component, version in releases.items())
    return held


@pytest.mark.parametrize("held, target, allow", [
    (cluster(), "1.36.3", False),                      # nothing to do
    (cluster(), "1.36.9", False),                      # a patch
    (cluster(), "1.37.2", False),                      # the next minor
    (cluster(cp1={"kube-apiserver": "1.37.2"}), "1.37.2", False),  # a run stopped half-way, finished
    (cluster(apiserver="1.37.2"), "1.37.2", False),    # the apiservers done, the clients still behind
    (cluster(apiserver="1.37.2"), "1.36.3", True),     # going back while only the apiservers moved on
    (cluster(apiserver="1.37.2", clients="1.37.2"), "1.37.1", True),  # a patch back
    ({"cp1": {"kube-apiserver": {"version": None}}}, "1.37.2", False),  # a new node holds nothing
    ({}, "1.37.2", False),
])
def test_kubernetes_may_go(held, target, allow):
    assert kubernetes_refusals(held, target, allow) == []


@pytest.mark.parametrize("held, target, allow, says", [
    (cluster(apiserver="1.35.4", clients="1.35.4"), "1.37.2", False,
     "cp1, cp2 and cp3 run kube-apiserver 1.35.4: 1.37.2 would skip a minor release; go to the newest 1.36 patch first."),
    (cluster(), "2.0.0", False, "cp1, cp2 and cp3 run kube-apiserver 1.36.3: 2.0.0 would skip a minor release"),
    (cluster(apiserver="1.37.2", clients="1.37.2"), "1.37.1", False,
     "cp1, cp2 and cp3 run kube-apiserver 1.37.2, newer than 1.37.1: going back is refused unless cluster_allow_downgrade is true"),
    (cluster(apiserver="1.37.2", clients="1.37.2"), "1.35.4", True,
     "cp1, cp2 and cp3 run kube-apiserver 1.37.2: going back to 1.35.4 would skip a minor release"),
    (cluster(apiserver="1.37.2", clients="1.37.2"), "1.36.3", True,
     "cp1, cp2 and cp3 run kube-controller-manager 1.37.2: the apiservers go back first and would then be older"),
])
def test_kubernetes_is_refused_naming_the_node_the_component_and_both_releases(held, target, allow, says):
    refusals = kubernetes_refusals(held, target, allow)
    assert any(refusal.startswith(says) for refusal in refusals), refusals


def test_the_nodes_that_run_one_release_of_a_component_are_refused_in_one_sentence():
    refusals = kubernetes_refusals(cluster(apiserver="1.35.4", clients="1.35.4", cp2={"kube-apiserver": "1.35.1"}), "1.37.2")
    assert [refusal.split(":")[0] for refusal in refusals] == [
        "cp2 runs kube-apiserver 1.35.1", "cp1 and cp3 run kube-apiserver 1.35.4",
        "cp1, cp2 and cp3 run kube-controller-manager 1.35.4", "cp1, cp2 and cp3 run kube-scheduler 1.35.4"]


@pytest.mark.parametrize("held, target, allow", [
    (cluster(), "3.6.16", False),
    (cluster(), "3.7.0", False),
    (cluster(etcd="3.6.11"), "3.7.0", False),           # exactly the minimum
    (cluster(cp1={"etcd": "3.7.0"}), "3.7.0", False),  # a roll stopped half-way, finished
    (cluster(cp1={"etcd": "3.7.0"}), "3.6.16", True),  # going back while mixed: the cluster still runs at 3.6
    (cluster(etcd="3.7.1"), "3.7.0", True),             # a patch back
])
def test_etcd_may_go(held, target, allow):
    assert etcd_refusals(held, target, MINIMUMS, allow) == []


@pytest.mark.parametrize("held, target, allow, says", [
    (cluster(etcd="3.5.21"), "3.7.0", False,
     "cp1, cp2 and cp3 run etcd 3.5.21: etcd upgrades one minor release at a time; go to the newest 3.6 patch first."),
    (cluster(cp2={"etcd": "3.6.5"}), "3.7.0", False,
     "cp2 runs etcd 3.6.5: etcd 3.7 needs every member on 3.6.11 or later; go to the newest 3.6 patch first."),
    (cluster(etcd="3.7.0"), "3.6.16", False,
     "cp1, cp2 and cp3 run etcd 3.7.0, newer than 3.6.16: going back is refused unless cluster_allow_downgrade is true"),
    (cluster(etcd="3.7.0"), "3.6.16", True,
     "cp1, cp2 and cp3 run etcd 3.7.0: every member runs 3.7, so the cluster runs at 3.7 and its members cannot go back to 3.6"),
    (cluster(etcd="3.7.0"), "3.5.21", True, "cp1, cp2 and cp3 run etcd 3.7.0: going back to 3.5.21 would skip a minor release"),
])
def test_etcd_is_refused_naming_the_member_and_both_releases(held, target, allow, says):
    refusals = etcd_refusals(held, target, MINIMUMS, allow)
    assert any(refusal.startswith(says) for refusal in refusals), refusals


def test_the_etcd_minimum_only_applies_to_the_minor_that_names_it():
    assert etcd_refusals(cluster(etcd="3.6.5"), "3.6.16", MINIMUMS) == []
    assert etcd_refusals(cluster(etcd="3.6.5"), "3.7.0", {}) == []


def test_releases_are_read_with_or_without_a_leading_v_and_nothing_else_is():
    assert parse("v1.37.2") == parse("1.37.2") == (1, 37, 2)
    assert minor_of("3.6.16") == "3.6"
    for bad in ("1.37", "1.37.2-rc.0", "latest", ""):
        with pytest.raises(ValueError):
            parse(bad)
    with pytest.raises(ValueError):
        kubernetes_refusals(cluster(), "1.37")
