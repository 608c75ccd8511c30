"""The etcd role bootstraps a new cluster only when no member holds data and no member's bootstrap
record says the cluster was bootstrapped: once it exists, the decision cannot flip back to "new"."""

import base64

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import (
    Evaluation, find_task, load, role_variables)

MEMBERS = ["cp1", "cp2", "cp3"]
TASKS = "detect_bootstrap_state.yml"
EXISTING = ("# Ansible managed\nETCD_INITIAL_CLUSTER=cp1=https://10.0.0.1:2380\nETCD_INITIAL_CLUSTER_STATE=existing\n"
            "ETCD_INITIAL_CLUSTER_TOKEN=kthw-etcd\n")
NEW = EXISTING.replace("=existing", "=new")
MISSING = None


def variables(**more):
    base = role_variables("cluster", "etcd")
    base["groups"] = {"etcd": list(MEMBERS)}
    base.update(more)
    return base


def evaluate(name, **more):
    return Evaluation(find_task("etcd", TASKS, name), variables(**more))


def slurped(content):
    if content is MISSING:
        return dict(failed=True, msg="File not found: /etc/etcd/bootstrap.env")
    return dict(content=base64.b64encode(content.encode()).decode(), encoding="base64", failed=False)


@pytest.mark.parametrize("result, fails", [
    (dict(failed=True, msg="File not found: /etc/etcd/bootstrap.env"), False),
    (dict(failed=True, msg="file not found: /etc/etcd/bootstrap.env"), False),
    (dict(failed=True, msg="File is not readable: /etc/etcd/bootstrap.env"), True),
    (dict(failed=True, msg="Source is a directory and must be a file: /etc/etcd/bootstrap.env"), True),
    (slurped(NEW), False),
])
def test_only_a_missing_record_is_no_error(result, fails):
    evaluation = evaluate("Read this member's bootstrap record", __etcd_record=result)
    assert evaluation.task["ansible.builtin.slurp"]["src"] == "{{ __etcd_bootstrap_env }}"
    assert evaluation.condition(evaluation.task["failed_when"]) is fails


@pytest.mark.parametrize("record, recorded", [
    (MISSING, False),
    (NEW, False),
    (EXISTING, True),
    ("ETCD_INITIAL_CLUSTER_STATE=existing", True),
    ("# ETCD_INITIAL_CLUSTER_STATE=existing\nETCD_INITIAL_CLUSTER_STATE=new\n", False),
    ("ETCD_INITIAL_CLUSTER_STATE=existing-ish\n", False),
])
def test_each_member_reads_its_record(record, recorded):
    facts = evaluate("Record this member's state", __etcd_wal=dict(stat=dict(exists=False)),
                     __etcd_record=slurped(record)).facts()
    assert facts == dict(__etcd_has_data=False, __etcd_recorded_existing=recorded)


REFUSED = ("The bootstrap record /etc/etcd/bootstrap.env on {on} says this etcd cluster was bootstrapped already, "
           "but no member holds data (/var/lib/etcd/member/wal exists on none). It is not bootstrapped again as a new, "
           "empty cluster. If cluster_etcd_data_dir was changed, set it back; to recover, restore a snapshot into "
           "/var/lib/etcd on every member (etcdutl snapshot restore); only to start over with an empty cluster, "
           "delete /etc/etcd/bootstrap.env on every member and run again. The members' unit and bootstrap settings "
           "were left as they are.")


# Per member: (holds a write-ahead log, its record says "existing").
@pytest.mark.parametrize("members, is_new, holders, refused_on", [
    # A first run: nothing anywhere.
    ([(False, False)] * 3, True, [], None),
    # A first run that stopped before the record was rewritten: data decides.
    ([(True, False), (True, False), (False, False)], False, ["cp1", "cp2"], None),
    # The usual re-run.
    ([(True, True)] * 3, False, MEMBERS, None),
    # One member lost its data: it joins the others.
    ([(True, True), (False, True), (True, True)], False, ["cp1", "cp3"], None),
    # Every member lost its data, or cluster_etcd_data_dir was moved: never a second, empty cluster.
    ([(False, True)] * 3, False, [], "cp1, cp2, cp3"),
    ([(False, False), (False, True), (False, False)], False, [], "cp2"),
])
def test_the_cluster_is_new_only_without_data_and_without_a_record(members, is_new, holders, refused_on):
    hostvars = dict((host, dict(__etcd_has_data=data, __etcd_recorded_existing=recorded))
                    for host, (data, recorded) in zip(MEMBERS, members))
    facts = evaluate("Decide whether the whole cluster is new", hostvars=hostvars).facts()
    assert (facts["__etcd_cluster_is_new"], facts["__etcd_data_holders"]) == (is_new, holders)
    passed, message = evaluate("Refuse to bootstrap again a cluster whose data is gone", hostvars=hostvars,
                               **facts).assertion()
    assert (passed, message) == (refused_on is None, REFUSED.format(on=refused_on) if refused_on else None)


def test_the_refusal_runs_once_before_anything_is_written():
    task = find_task("etcd", TASKS, "Refuse to bootstrap again a cluster whose data is gone")
    assert task["run_once"] is True
    main = [t["name"] for t in load("roles", "etcd", "tasks", "main.yml")]
    assert main.index("Find out which members already hold data") < main.index(
        "Write the etcd folders, unit and bootstrap settings")
