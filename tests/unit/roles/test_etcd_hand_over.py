"""The etcd role's hand_over_leadership.yml, run before a member restarts: only a leader hands over, and to the
member that restarts least soon in the roll (one the roll leaves alone, else the one it restarted last, else the one
it restarts last), so a roll of every member makes at most two elections and most often one."""

import json

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

ADDRESSES = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13"}
IDS = {"cp1": 0x8E9E05C52164694D, "cp2": 0x1A, "cp3": 0x3C}
HAND_OVER = "Hand the leadership over before the restart of {{ component_node }}"
MOVE = "Move the leadership to the member that restarts least soon, {{ __etcd_heir }}"
WAIT = "Wait until every member follows {{ __etcd_heir }}"


def evaluate(name, node, leader, order):
    variables = role_variables("cluster", "etcd")
    status = [{"Endpoint": "https://%s:2379" % address,
               "Status": {"header": {"member_id": IDS[member]}, "leader": IDS[leader]}}
              for member, address in ADDRESSES.items()]
    variables.update(
        groups={"etcd": list(ADDRESSES)}, hostvars={n: {"cluster_node_address": a} for n, a in ADDRESSES.items()},
        component_node=node, component_restart_order=order,
        __etcd_status={"rc": 0, "stdout": json.dumps(status)})
    return Evaluation(find_task("etcd", "hand_over_leadership.yml", name), variables)


def hands_over(node, leader, order):
    evaluation = evaluate(HAND_OVER, node, leader, order)
    return evaluation.condition(evaluation.task["when"])


def heir(node, leader, order):
    return evaluate(MOVE, node, leader, order).value("{{ __etcd_heir }}")


def test_a_follower_restarts_without_an_election():
    assert hands_over("cp2", "cp1", ["cp1", "cp2", "cp3"]) is False


def test_a_leader_hands_over_before_it_restarts():
    assert hands_over("cp1", "cp1", ["cp1", "cp2", "cp3"]) is True


@pytest.mark.parametrize("node, order, expected", [
    # The first of a full roll: the one restarted last, which hands over once more at its turn.
    ("cp1", ["cp1", "cp2", "cp3"], "cp3"),
    # Later in the roll: the one restarted just before, which does not restart again.
    ("cp2", ["cp1", "cp2", "cp3"], "cp1"),
    ("cp3", ["cp1", "cp2", "cp3"], "cp2"),
    # A member the roll leaves alone never restarts: it is the best heir.
    ("cp1", ["cp1", "cp3"], "cp2"),
    ("cp3", ["cp1", "cp3"], "cp2"),
])
def test_the_heir_restarts_least_soon(node, order, expected):
    assert heir(node, node, order) == expected


def test_the_move_names_the_heir_by_its_hexadecimal_id_on_the_leader_itself():
    evaluation = evaluate(MOVE, "cp2", "cp2", ["cp1", "cp2", "cp3"])
    command = " ".join(evaluation.value(evaluation.args("ansible.builtin.command")).split())
    assert command.endswith("--endpoints=https://10.0.0.12:2379 move-leader 8e9e05c52164694d")


def test_the_wait_ends_when_every_member_follows_the_heir():
    evaluation = evaluate(WAIT, "cp2", "cp2", ["cp1", "cp2", "cp3"])

    def done(leaders):
        evaluation.templar.available_variables = dict(evaluation.templar.available_variables, __etcd_after_hand_over={
            "rc": 0, "stdout": json.dumps([{"Status": {"leader": IDS[leader]}} for leader in leaders])})
        return all(evaluation.condition(condition) for condition in evaluation.task["until"])

    assert done(["cp1", "cp1", "cp1"]) is True
    assert done(["cp1", "cp2", "cp1"]) is False
    assert done(["cp2", "cp2", "cp2"]) is False
