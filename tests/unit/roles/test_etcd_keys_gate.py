"""The etcd gate's last step (wait_healthy.yml): every member holds the same keys, judged by the hash
of the keys at the lowest revision any member reported, with the same compaction, or the gate waits."""

import json

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

MEMBERS = ("cp1", "cp2", "cp3")
TASK = "Wait until every etcd member holds the same keys"


def gate(revisions, hashes, compactions=(7, 7, 7), rc=0, answered=MEMBERS):
    variables = role_variables("cluster", "etcd")
    status = [{"Endpoint": name, "Status": {"header": {"revision": revision}}} for name, revision in zip(MEMBERS, revisions)]
    hashkv = [{"Endpoint": name, "HashKV": {"hash": value, "compact_revision": compaction}}
              for name, value, compaction in zip(answered, hashes, compactions)]
    variables.update(groups={"etcd": list(MEMBERS)}, inventory_hostname="cp1",
                     hostvars=dict((name, {"cluster_node_address": "10.0.0.%d" % (11 + index)})
                                   for index, name in enumerate(MEMBERS)),
                     __etcd_status={"rc": 0, "stdout": json.dumps(status)},
                     __etcd_hashkv={"rc": rc, "stdout": json.dumps(hashkv)})
    return Evaluation(find_task("etcd", "wait_healthy.yml", TASK), variables)


def passes(evaluation):
    return all(evaluation.condition(condition) for condition in evaluation.task["until"])


def test_the_hash_is_taken_at_the_lowest_revision_any_member_reported():
    evaluation = gate((120, 118, 121), (1, 1, 1))
    assert evaluation.value(evaluation.task["ansible.builtin.command"]).endswith("endpoint hashkv --rev=118 --write-out=json")


@pytest.mark.parametrize("hashes, compactions, rc, equal", [
    ((5, 5, 5), (7, 7, 7), 0, True),
    ((5, 5, 6), (7, 7, 7), 0, False),    # a member applied another history
    ((5, 5, 5), (7, 7, 9), 0, False),    # a compaction in between: ask again
    ((5, 5, 5), (7, 7, 7), 1, False),    # a member did not answer
])
def test_the_gate_passes_only_when_every_member_holds_the_same_keys(hashes, compactions, rc, equal):
    assert passes(gate((100, 100, 100), hashes, compactions, rc)) is equal


def test_every_member_must_answer():
    assert passes(gate((100, 100, 100), (5, 5), answered=("cp1", "cp2"))) is False
