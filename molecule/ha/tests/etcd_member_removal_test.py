"""Taking cp3 out of etcd (side_effects/etcd_member_removal.yml), from the results kept in etcd_member_removal.json:
the removal was refused with cp2's etcd down and without the even-count confirmation, and its check run only
planned, each changing nothing; the removal itself left cp3 out of every apiserver's --etcd-servers, removed it,
stopped and disabled its etcd and kept its data aside, with no failed request through the load balancer; a re-run
changed nothing and site.yml refused cp3 while it was still in the etcd group."""

import pytest
from fleet import ADDRESSES, failures_beyond_elections, recap_changed_nothing, side_effect_results, words


@pytest.fixture(scope="module")
def removal():
    return side_effect_results("etcd_member_removal")


def member_names(members):
    return sorted(member.get("name", "") for member in members)


def test_removing_with_another_member_down_was_refused_and_changed_nothing(removal):
    refused = removal["quorum_refused"]
    said = words(refused["output"])
    assert refused["rc"] != 0
    assert ("Removing cp3 would leave 2 voting members of which 1 answer (cp1), fewer than the 2 a quorum needs: "
            "the cluster would stop. Bring cp2 back first") in said
    assert removal["members_untouched"] == removal["members_before"]
    assert removal["mark_untouched_rc"] != 0, "a refused or check run marked cp3"


def test_an_even_count_left_was_refused_without_the_confirmation(removal):
    refused = removal["even_refused"]
    assert refused["rc"] != 0
    said = words(refused["output"])
    assert "Removing cp3 leaves 2 members, an even count" in said
    assert "-e etcd_remove_member_confirm_even=true" in said


def test_the_check_run_showed_the_plan_and_restarted_nothing(removal):
    check = removal["check"]
    assert check["rc"] == 0
    said = words(check["output"])
    assert "Would take cp3 out of etcd, which keeps cp1, cp2" in said
    assert removal["starts_before"] == removal["starts_before_check"]


def test_the_removal_left_two_voting_members(removal):
    assert removal["removed"]["rc"] == 0
    assert member_names(removal["members_before"]) == ["cp1", "cp2", "cp3"]
    assert member_names(removal["members_after"]) == ["cp1", "cp2"]
    assert not any(member.get("isLearner") for member in removal["members_after"])
    assert "Took cp3 out of etcd: its members are cp1, cp2" in words(removal["removed"]["output"])


def test_every_apiserver_uses_the_members_that_stay_alone(removal):
    expected = "--etcd-servers=https://%s:2379,https://%s:2379" % (ADDRESSES["cp1"], ADDRESSES["cp2"])
    assert removal["etcd_servers"] == {name: expected for name in ("cp1", "cp2", "cp3")}


def test_only_the_apiservers_restarted_on_the_nodes_that_stay(removal):
    before, after = removal["starts_before"], removal["starts_after"]
    for name in ("cp1", "cp2", "cp3"):
        assert after[name + "/kube-apiserver"] != before[name + "/kube-apiserver"], name
        for unit in ("kube-controller-manager", "kube-scheduler"):
            assert after[name + "/" + unit] == before[name + "/" + unit], name + "/" + unit
    for name in ("cp1", "cp2"):
        assert after[name + "/etcd"] == before[name + "/etcd"], name


def test_cp3_etcd_is_stopped_disabled_and_its_data_kept(removal):
    state, enabled, *rest = removal["cp3"]
    assert (state, enabled) == ("inactive", "disabled")
    folders = [line for line in rest if line.startswith("/var/lib/etcd")]
    assert len(folders) == 1 and folders[0].startswith("/var/lib/etcd.removed-"), folders
    mark = "\n".join(line for line in rest if not line.startswith("/var/lib/etcd"))
    assert '"state": "removed"' in mark and folders[0] in mark


def test_no_request_failed_through_the_load_balancer_during_the_removal(removal):
    probe = removal["probe"]
    print("Member removal probe:", probe, "elections:", removal["elections"])
    assert probe["rounds"] > 100
    # None, but a write in the moment etcd's leadership changed hands (fleet.failures_beyond_elections).
    assert failures_beyond_elections(probe, removal["elections"]) == []


def test_a_re_run_of_the_removal_changes_nothing(removal):
    again = removal["again"]
    assert again["rc"] == 0 and recap_changed_nothing(again["output"]), again["output"][-2000:]


def test_site_refuses_a_removed_member_left_in_the_etcd_group(removal):
    refused = removal["site_refused"]
    assert refused["rc"] != 0
    said = words(refused["output"])
    assert "cp3 was taken out of etcd by kthw.control_plane.etcd_remove_member" in said
    assert "Take it out of the group (or, to have it join again as a new member, delete the mark)" in said
