"""A control-plane node lost for good and built anew (side_effects/node_replacement.yml), from the results kept in
node_replacement.json and from the fleet: site.yml refused until the lost member was named, then replaced it
(removed, added back as a learner, promoted) and brought up cp3's control plane, with no failed request through
the load balancer and no restart on cp1 and cp2."""

import pytest
from fleet import APISERVER_PORT, failures_beyond_elections, node, recap_changed_nothing, side_effect_results, words

UNITS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]


@pytest.fixture(scope="module")
def replacement():
    return side_effect_results("node_replacement")


def test_site_refused_to_join_the_member_the_cluster_still_lists(replacement):
    refused = replacement["refused"]
    assert refused["rc"] != 0
    said = words(refused["output"])
    assert "cp3 has no data in /var/lib/etcd but the cluster lists it as a started member" in said
    assert """run again with -e '{"etcd_replace_members": ["cp3"]}'""" in said


def test_the_replacing_run_removed_the_dead_member_and_added_cp3_back(replacement):
    assert replacement["replaced"]["rc"] == 0
    before = {m["name"]: m["ID"] for m in replacement["members_before"]}
    after = {m.get("name"): m for m in replacement["members_after"]}
    assert sorted(after) == ["cp1", "cp2", "cp3"]
    assert after["cp3"]["ID"] != before["cp3"], "cp3 kept its old member ID"
    assert {name: after[name]["ID"] for name in ("cp1", "cp2")} == {name: before[name] for name in ("cp1", "cp2")}
    assert not any(m.get("isLearner") for m in replacement["members_after"])
    output = words(replacement["replaced"]["output"])
    for step in ("Remove the member whose data is gone, cp3", "Add the member to the cluster as a learner, cp3",
                 "Promote the learner once it has caught up, cp3"):
        assert step in output, step


def test_every_member_holds_the_same_data(replacement):
    hashes = {entry["HashKV"]["hash"] for entry in replacement["hashkv"]}
    assert len(replacement["hashkv"]) == 3 and len(hashes) == 1, replacement["hashkv"]


def test_nothing_restarted_on_the_healthy_nodes(replacement):
    for name in ("cp1", "cp2"):
        # systemctl show puts a blank line between units.
        before, after = ([line for line in replacement[key][name] if line] for key in ("starts_before", "starts_after"))
        assert len(after) == len(UNITS) and after == before, name


def test_no_request_failed_through_the_load_balancer_during_the_replacement(replacement):
    probe = replacement["probe"]
    print("Node replacement probe:", probe, "elections:", replacement["elections"])
    assert probe["rounds"] > 200
    # None, but a write in the moment etcd's leadership changed hands (fleet.failures_beyond_elections).
    assert failures_beyond_elections(probe, replacement["elections"]) == []


def test_the_new_cp3_runs_its_control_plane():
    cp3 = node("cp3")
    for unit in UNITS:
        assert cp3.service(unit).is_running, unit
    # The growth of etcd (make test-full), a later side effect, takes cp3's etcd data again; its apiserver stays.
    assert cp3.socket("tcp://0.0.0.0:%s" % APISERVER_PORT).is_listening


def test_a_re_run_of_site_after_the_replacement_changes_nothing(replacement):
    site = replacement["site_after"]
    assert site["rc"] == 0 and recap_changed_nothing(site["output"]), site["output"][-2000:]
