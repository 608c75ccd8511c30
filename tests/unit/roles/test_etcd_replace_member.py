"""A member without data that the cluster still lists as started is replaced only when the operator names it,
its own endpoint does not answer, and the voting members left keep a quorum that answers; otherwise the run
says why and changes nothing."""

import json

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

ADDRESSES = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13", "cp4": "10.0.0.14", "cp5": "10.0.0.15"}


def member_list(*names, learners=(), unstarted=()):
    members = []
    for index, name in enumerate(names):
        member = {"ID": 100 + index, "peerURLs": ["https://%s:2380" % ADDRESSES[name]]}
        if name not in unstarted:
            member["name"] = name
        if name in learners:
            member["isLearner"] = True
        members.append(member)
    return {"stdout": json.dumps({"members": members})}


def holders_health(**health):
    return {"stdout": json.dumps([{"endpoint": "https://%s:2379" % ADDRESSES[name], "health": ok}
                                  for name, ok in health.items()])}


def evaluate(name, members, joiner="cp3", replace=(), joiner_answers=False, health=None):
    names = [m.get("name") or joiner for m in json.loads(members["stdout"])["members"]]
    variables = role_variables("cluster", "etcd")
    variables.update(
        groups={"etcd": names}, hostvars=dict((n, {"cluster_node_address": ADDRESSES[n]}) for n in names),
        __etcd_joiner=joiner, __etcd_member_list=members, etcd_replace_members=list(replace),
        __etcd_replaced_health={"rc": 0 if joiner_answers else 1},
        __etcd_holders_health=health or holders_health(**dict((n, True) for n in names if n != joiner)))
    return Evaluation(find_task("etcd", "join.yml", name), variables)


REFUSE = "Refuse to join a member that is already started without its data, unless it is replaced"
QUORUM = "Check the member is down and the others keep a quorum without it"


def test_a_started_member_without_data_is_refused_unless_named():
    passed, message = evaluate(REFUSE, member_list("cp1", "cp2", "cp3")).assertion()
    assert passed is False
    assert """run again with -e '{"etcd_replace_members": ["cp3"]}'""" in " ".join(message.split())
    assert evaluate(REFUSE, member_list("cp1", "cp2", "cp3"), replace=["cp3"]).assertion()[0] is True
    # Added by a run that stopped before starting it: no name yet, it simply joins.
    joining = evaluate(REFUSE, member_list("cp1", "cp2", "cp3", unstarted=["cp3"]))
    assert joining.assertion()[0] is True and joining.value("{{ __etcd_joiner_started }}") is False


def test_a_member_that_still_answers_is_never_replaced():
    passed, message = evaluate(QUORUM, member_list("cp1", "cp2", "cp3"), replace=["cp3"], joiner_answers=True).assertion()
    assert passed is False and "still answers at its endpoint" in message


@pytest.mark.parametrize("names, health, passes", [
    (("cp1", "cp2", "cp3"), {"cp1": True, "cp2": True}, True),                     # 2 voters left, 2 answer
    (("cp1", "cp2", "cp3"), {"cp1": True, "cp2": False}, False),                   # 2 left, 1 answers
    (("cp1", "cp2", "cp3", "cp4", "cp5"), {"cp1": True, "cp2": True, "cp4": True, "cp5": False}, True),  # 4 left, 3
    (("cp1", "cp2", "cp3", "cp4", "cp5"), {"cp1": True, "cp2": True, "cp4": False, "cp5": False}, False),
])
def test_the_members_left_must_keep_a_quorum_that_answers(names, health, passes):
    passed, message = evaluate(QUORUM, member_list(*names), replace=["cp3"], health=holders_health(**health)).assertion()
    assert passed is passes
    if not passes:
        assert "fewer than the" in message and "kthw.control_plane.etcd_restore" in message


def test_a_learner_does_not_count_as_a_voter():
    # cp4 is a learner: 4 voters listed (cp3 among them), 3 left, 2 must answer.
    members = member_list("cp1", "cp2", "cp3", "cp4", "cp5", learners=["cp4"])
    passed, _message = evaluate(QUORUM, members, replace=["cp3"],
                                health=holders_health(cp1=True, cp2=False, cp4=True, cp5=True)).assertion()
    assert passed is True
    passed, message = evaluate(QUORUM, members, replace=["cp3"],
                               health=holders_health(cp1=False, cp2=False, cp4=True, cp5=True)).assertion()
    assert passed is False and "would leave 3 voting members of which 1 answer" in " ".join(message.split())
