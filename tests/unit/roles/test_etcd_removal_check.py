"""Before kthw.control_plane.etcd_remove_member changes anything (and again before each member goes), the etcd
role's removal_check.yml refuses a removal that would stop the cluster or leave it one failure from stopping, a
cluster with a learner still joining or a member of the group not yet voting, and an even count left unless the
operator confirmed it; each refusal says what to do."""

import json

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

ADDRESSES = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13", "cp4": "10.0.0.14", "cp5": "10.0.0.15"}
CHECK = "Check the cluster can lose {{ etcd_departing_members | join(', ') }}"


def member_list(*names, learners=()):
    members = [{"ID": 100 + index, "name": name, "peerURLs": ["https://%s:2380" % ADDRESSES[name]],
                **({"isLearner": True} if name in learners else {})}
               for index, name in enumerate(names)]
    return {"rc": 0, "stdout": json.dumps({"members": members}), "stderr": ""}


def health(**answers):
    return {"stdout": json.dumps([{"endpoint": "https://%s:2379" % ADDRESSES[name], "health": ok}
                                  for name, ok in answers.items()])}


def evaluate(group, departing, listed, answers, confirm_even=False):
    variables = role_variables("cluster", "etcd")
    variables.update(
        groups={"etcd": list(group)}, hostvars={n: {"cluster_node_address": ADDRESSES[n]} for n in group},
        etcd_departing_members=list(departing), etcd_departing_confirm_even=confirm_even,
        __etcd_removal_list=listed, __etcd_removal_health=health(**answers))
    return Evaluation(find_task("etcd", "removal_check.yml", CHECK), variables)


FIVE = ("cp1", "cp2", "cp3", "cp4", "cp5")
THREE = ("cp1", "cp2", "cp3")


def test_five_down_to_three_with_every_member_answering_goes_ahead():
    assert evaluate(FIVE, ["cp4", "cp5"], member_list(*FIVE), dict.fromkeys(FIVE, True)).assertion()[0] is True


def test_a_departing_member_that_is_down_does_not_stop_the_removal():
    answers = dict.fromkeys(FIVE, True) | {"cp5": False}
    assert evaluate(FIVE, ["cp4", "cp5"], member_list(*FIVE), answers).assertion()[0] is True


def test_removing_a_member_with_another_down_would_break_quorum():
    passed, message = evaluate(THREE, ["cp3"], member_list(*THREE), {"cp1": True, "cp2": False, "cp3": True},
                               confirm_even=True).assertion()
    said = " ".join(message.split())
    assert passed is False
    assert "Removing cp3 would leave 2 voting members of which 1 answer (cp1), fewer than the 2 a quorum needs" in said
    assert "Bring cp2 back first" in said and said.endswith("Nothing was changed.")


def test_a_member_that_stays_down_is_refused_even_when_quorum_holds():
    answers = dict.fromkeys(FIVE, True) | {"cp2": False}
    passed, message = evaluate(FIVE, ["cp5"], member_list(*FIVE), answers, confirm_even=True).assertion()
    assert passed is False and "cp2 does not answer at its own endpoint" in message


def test_an_even_count_left_needs_the_confirmation():
    passed, message = evaluate(THREE, ["cp3"], member_list(*THREE), dict.fromkeys(THREE, True)).assertion()
    said = " ".join(message.split())
    assert passed is False
    assert "leaves 2 members, an even count" in said and "-e etcd_remove_member_confirm_even=true" in said
    assert evaluate(THREE, ["cp3"], member_list(*THREE), dict.fromkeys(THREE, True),
                    confirm_even=True).assertion()[0] is True


def test_a_member_already_removed_is_not_counted_again():
    # A run stopped after cp3 left: nothing is pending, so the even count is no longer asked about.
    listed = member_list("cp1", "cp2")
    assert evaluate(THREE, ["cp3"], listed, {"cp1": True, "cp2": True, "cp3": False}).assertion()[0] is True


@pytest.mark.parametrize("listed, expected", [
    (member_list(*FIVE, learners=["cp5"]), "cp5 is joining as a learner: run site.yml"),
    (member_list("cp1", "cp2", "cp3", "cp5"), "cp4 is in the etcd group but not a voting member"),
    ({"rc": 1, "stdout": "", "stderr": "context deadline exceeded"}, "No member that stays (cp1, cp2, cp4, cp5)"),
])
def test_a_cluster_not_settled_is_refused(listed, expected):
    passed, message = evaluate(FIVE, ["cp3"], listed, dict.fromkeys(FIVE, True), confirm_even=True).assertion()
    assert passed is False and expected in " ".join(message.split())
