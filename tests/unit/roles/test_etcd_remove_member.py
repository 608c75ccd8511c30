"""The etcd role's remove_member.yml, for one departing member: it hands the leadership to the first member that
stays only when it leads (so the cluster does not wait for an election when the leader goes), removes it by its
own ID through the members that stay, and keeps its data folder under the removal's token."""

import base64
import json

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

ADDRESSES = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13"}
IDS = {"cp1": 0x1A, "cp2": 0x2B, "cp3": 0x3C}
HAND_OVER = "Hand the leadership to a member that stays, {{ __etcd_leaver }}"
REMOVE = "Remove the member, {{ __etcd_leaver }}"
MOVE_ASIDE = "Move the data folder aside, {{ __etcd_leaver }}"


def evaluate(name, leader="cp3", status_rc=0):
    variables = role_variables("cluster", "etcd")
    members = [{"ID": IDS[n], "name": n, "peerURLs": ["https://%s:2380" % ADDRESSES[n]]} for n in ADDRESSES]
    status = [{"Endpoint": "https://10.0.0.13:2379",
               "Status": {"header": {"member_id": IDS["cp3"]}, "leader": IDS[leader]}}]
    mark = {"state": "removing", "token": "20261201T151127Z"}
    variables.update(
        groups={"etcd": list(ADDRESSES)}, hostvars={n: {"cluster_node_address": a} for n, a in ADDRESSES.items()},
        etcd_departing_members=["cp3"], __etcd_leaver="cp3",
        __etcd_removal_list={"rc": 0, "stdout": json.dumps({"members": members})},
        __etcd_leaver_listed=[members[2]],
        __etcd_leaver_status={"rc": status_rc, "stdout": json.dumps(status) if status_rc == 0 else ""},
        __etcd_leaver_mark={"content": base64.b64encode(json.dumps(mark).encode()).decode()})
    return Evaluation(find_task("etcd", "remove_member.yml", name), variables)


def hands_over(evaluation):
    return all(evaluation.condition(condition) for condition in evaluation.task["when"])


def test_the_leader_hands_over_to_the_first_member_that_stays():
    evaluation = evaluate(HAND_OVER, leader="cp3")
    assert hands_over(evaluation) is True
    command = " ".join(evaluation.value(evaluation.args("ansible.builtin.command")).split())
    assert command.endswith("--endpoints=https://10.0.0.13:2379 move-leader 1a")


def test_a_follower_or_a_member_that_does_not_answer_hands_nothing_over():
    assert hands_over(evaluate(HAND_OVER, leader="cp1")) is False
    assert hands_over(evaluate(HAND_OVER, status_rc=1)) is False


def test_the_member_is_removed_by_its_id_through_the_members_that_stay():
    evaluation = evaluate(REMOVE)
    command = " ".join(evaluation.value(evaluation.args("ansible.builtin.command")).split())
    assert command.endswith("--endpoints=https://10.0.0.11:2379,https://10.0.0.12:2379 member remove 3c")


def test_the_data_folder_is_kept_under_the_removal_token():
    evaluation = evaluate(MOVE_ASIDE)
    args = evaluation.args("ansible.builtin.command")
    assert [evaluation.value(part) for part in args["argv"]] == [
        "mv", "--no-target-directory", "/var/lib/etcd", "/var/lib/etcd.removed-20261201T151127Z"]
    assert evaluation.value(args["removes"]) == "/var/lib/etcd"
