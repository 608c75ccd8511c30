"""The CA rotation's decisions, from the role's own expressions: which CAs a run rotates, which phase
each play rolls out, when the record moves on (P4 only when the operator wants the old CAs gone), and
what site.yml's pre-flight says while a rotation is under way."""

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

ALL = ["kubernetes", "etcd", "front-proxy"]


def evaluate(tasks_file, name, recorded, **settings):
    variables = role_variables("cluster", "rotate_ca")
    variables.update(cluster_pki_dir="/pki", cluster_ca_rotation_record=recorded)
    variables.update(settings)
    return Evaluation(find_task("rotate_ca", tasks_file, name), variables)


@pytest.mark.parametrize("recorded, selection, rotated", [
    ({}, [], ALL),                                                   # all three by default
    ({}, ["etcd"], ["etcd"]),                                        # the operator's choice
    ({"phase": "reissuing", "cas": ["front-proxy"]}, [], ["front-proxy"]),  # a rotation under way: its own
])
def test_a_run_rotates_the_selection_or_the_rotation_under_way(recorded, selection, rotated):
    evaluation = evaluate("plan.yml", "Show the plan", recorded, rotate_ca=selection)
    assert evaluation.value("{{ rotate_ca_selected }}") == rotated
    assert evaluation.value("{{ rotate_ca_phase }}") == recorded.get("phase", "start")


def test_another_selection_is_refused_while_a_rotation_is_under_way():
    recorded = {"phase": "widening", "cas": ["etcd"], "started": "t"}
    check = evaluate("plan.yml", "Check a rotation under way is finished with its own CAs", recorded,
                     rotate_ca=["kubernetes"])
    assert check.value("{{ " + " and ".join("(%s)" % c for c in check.args("ansible.builtin.assert")["that"]) + " }}") is False
    same = evaluate("plan.yml", "Check a rotation under way is finished with its own CAs", recorded, rotate_ca=["etcd"])
    assert same.value("{{ " + " and ".join("(%s)" % c for c in same.args("ansible.builtin.assert")["that"]) + " }}") is True


@pytest.mark.parametrize("step, phase, runs", [
    ("widen", "widening", True), ("widen", "reissuing", False),
    ("reissue", "reissuing", True), ("reissue", "narrowing", False),
    ("narrow", "narrowing", True), ("narrow", "narrowed", False),
])
def test_each_play_rolls_out_its_own_phase_only(step, phase, runs):
    task = find_task("rotate_ca", "node.yml", "Roll this node to the phase, {{ __rotate_ca_step_phase[rotate_ca_step] }}")
    variables = role_variables("cluster", "rotate_ca")
    variables.update(cluster_pki_dir="/pki", cluster_ca_rotation_record={"phase": phase, "cas": ALL},
                     rotate_ca_step=step)
    assert Evaluation(task, variables).value("{{ " + task["when"] + " }}") is runs


@pytest.mark.parametrize("from_phase, next_phase, recorded_phase, narrow, moves", [
    ("widening", "reissuing", "widening", True, True),
    ("widening", "reissuing", "reissuing", True, False),      # a resumed run: already moved on
    ("reissuing", "narrowing", "reissuing", True, True),
    ("reissuing", "narrowing", "reissuing", False, False),    # rotate_ca_narrow=false stops before P4
    ("narrowing", "narrowed", "narrowing", False, True),      # P4 under way is always finished
])
def test_the_record_moves_on_only_from_its_phase_and_p4_only_when_wanted(from_phase, next_phase, recorded_phase,
                                                                         narrow, moves):
    evaluation = evaluate("advance.yml", "Record the next phase, {{ rotate_ca_next_phase }}",
                          {"phase": recorded_phase, "cas": ALL}, rotate_ca_from_phase=from_phase,
                          rotate_ca_next_phase=next_phase, rotate_ca_narrow=narrow)
    assert evaluation.value("{{ " + evaluation.task["when"] + " }}") is moves
    if moves:
        written = evaluation.value(evaluation.args("ansible.builtin.copy")["content"])
        assert '"phase": "%s"' % next_phase in written


def test_site_yml_is_refused_while_a_rotation_is_under_way():
    task = find_task("preflight", "nodes_hold.yml", "Check no CA rotation is under way")
    variables = role_variables("cluster", "preflight")
    variables.update(cluster_pki_dir="/pki", cluster_ca_rotation_record={"phase": "reissuing", "cas": ["etcd"]})
    evaluation = Evaluation(task, variables)
    assert evaluation.value("{{ " + task["ansible.builtin.assert"]["that"][0] + " }}") is False
    message = " ".join(evaluation.value(task["ansible.builtin.assert"]["fail_msg"]).split())
    assert "A CA rotation of the etcd CA is under way (phase reissuing" in message
    assert "run kthw.control_plane.rotate_ca to finish it" in message


@pytest.mark.parametrize("role, tasks_file, name", [
    ("rotate_certs", "plan.yml", "Check no CA rotation is under way"),
    ("rotate_encryption_key", "plan.yml", "Check no CA rotation is under way"),
    ("rotate_service_account_key", "plan.yml", "Check no certificate or CA rotation is under way"),
])
def test_the_other_rotations_wait_for_a_ca_rotation_to_finish(tmp_path, role, tasks_file, name):
    variables = role_variables("cluster", role)
    variables.update(cluster_pki_dir=str(tmp_path), cluster_service_account_record={},
                     cluster_ca_rotation_record={"phase": "reissuing", "cas": ["etcd"]})
    passed, message = Evaluation(find_task(role, tasks_file, name), variables).assertion()
    assert passed is False
    assert "finish it with kthw.control_plane.rotate_ca first" in " ".join(message.split())
    variables.update(cluster_ca_rotation_record={})
    assert Evaluation(find_task(role, tasks_file, name), variables).assertion()[0] is True
