"""The CA rotation's decisions, from the role's own expressions: which CAs a run rotates, which phase
each play rolls out, when the record moves on (P4 only when the operator wants the old CAs gone), and
what site.yml's pre-flight says while a rotation is under way."""

import datetime
import os

import pytest

from ansible_collections.kthw.control_plane.plugins.filter.ca_files import ca_files
from ansible_collections.kthw.control_plane.plugins.filter.ca_fingerprints import ca_fingerprints
from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key
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
    ("unwind", "unwinding", True), ("unwind", "reissuing", False), ("unwind", "retracting", False),
    ("retract", "retracting", True), ("retract", "retracted", False), ("retract", "narrowing", False),
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
    ("unwinding", "retracting", "unwinding", True, True),     # the way back
    ("retracting", "retracted", "retracting", False, True),
    ("unwinding", "retracting", "reissuing", True, False),    # a rotation going forward never moves back
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


@pytest.mark.parametrize("recorded, passes, message", [
    ({}, False, "No CA rotation is under way"),
    ({"phase": "narrowing", "cas": ["etcd"], "started": "t"}, False, "so the old ones cannot come back"),
    ({"phase": "narrowed", "cas": ["etcd"], "started": "t"}, False, "without rotate_ca_rollback to finish it"),
    ({"phase": "widening", "cas": ["etcd"], "started": "t"}, True, None),
    ({"phase": "reissuing", "cas": ["etcd"], "started": "t"}, True, None),
    ({"phase": "unwinding", "cas": ["etcd"], "started": "t"}, True, None),
])
def test_a_rollback_is_refused_without_a_rotation_or_once_p4_began(recorded, passes, message):
    check = evaluate("plan.yml", "Check a rollback is asked of a rotation that can go back", recorded,
                     rotate_ca_rollback=True)
    passed, said = check.assertion()
    assert passed is passes
    if message:
        assert message in " ".join(said.split()) and "Nothing was changed." in said
    assert check.value("{{ " + check.task["when"] + " }}") is True
    assert evaluate("plan.yml", "Check a rollback is asked of a rotation that can go back", recorded,
                    rotate_ca_rollback=False).value("{{ " + check.task["when"] + " }}") is False


@pytest.mark.parametrize("phase, rollback, first, skips", [
    ("reissuing", True, "unwinding", None),            # leaves of the new CAs exist: P2 back first
    ("widening", True, "retracting", "P2 back"),        # none yet: straight to P1 back
    ("retracting", False, None, "P2 back"),             # a rollback stopped half-way, finished without the option
])
def test_the_way_back_starts_where_the_rotation_stands(phase, rollback, first, skips):
    recorded = {"phase": phase, "cas": ["front-proxy"], "started": "t"}
    record = evaluate("start.yml", "Record the rollback", recorded, rotate_ca_rollback=rollback)
    moves = record.value("{{ " + " and ".join("(%s)" % c for c in [record.task["when"]]) + " }}")
    assert moves is (first is not None)
    if first:
        written = record.value(record.args("ansible.builtin.copy")["content"])
        assert '"phase": "%s"' % first in written and '"rolled_back_from": "%s"' % phase in written
        assert '"abandoned_suffix": "abandoned-' in written
    plan = evaluate("plan.yml", "Show the plan", recorded, rotate_ca_rollback=rollback, ansible_check_mode=False)
    said = " ".join(plan.value(plan.args("ansible.builtin.debug")["msg"]).split())
    assert said.startswith("roll back the rotation of the front-proxy CA")
    assert "P1 back, every verifier trusts the old CA alone" in said and "kept aside under a dated name" in said
    if skips:
        assert skips not in said


def test_a_controller_whose_cas_changed_since_the_rotation_began_is_refused(tmp_path):
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)

    def make(stem):
        (ca_dir / (stem + ".crt")).write_bytes(certs.certificate_pem(
            certs.issue_ca(stem, [], generate_key("ecdsa-p256"), 3650, now)))

    for stem in ("etcd", "etcd-next"):
        make(stem)
    # What start.yml records: the fingerprints of both CAs by file name.
    recorded = {"phase": "reissuing", "cas": ["etcd"], "started": "t", "fingerprints": dict(
        (os.path.basename(path), fingerprint)
        for path, fingerprint in ca_fingerprints([str(ca_dir / "etcd.crt"), str(ca_dir / "etcd-next.crt")]).items())}
    task = find_task("rotate_ca", "plan.yml", "Check the controller's CAs are the ones the rotation recorded")

    def check(record):
        # The collection's filters are not loaded here: the files in use are fingerprinted as the task does.
        files = ca_files(record, str(ca_dir))["etcd"]
        variables = role_variables("cluster", "rotate_ca")
        variables.update(cluster_pki_dir=str(tmp_path), cluster_ca_rotation_record=record)
        own = dict((k, v) for k, v in task["vars"].items() if k != "__rotate_ca_in_use")
        in_use = sorted(set(files["trust"] + [files["cert"]]))
        variables.update(__rotate_ca_in_use=ca_fingerprints(in_use, missing_ok=True))
        return Evaluation(dict(task, vars=own), variables).assertion()

    assert "kthw.control_plane.ca_fingerprints(missing_ok=true)" in task["vars"]["__rotate_ca_in_use"]
    assert check(recorded) == (True, None)
    make("etcd-next")  # the new CA made again on the controller
    passed, message = check(recorded)
    assert passed is False
    assert "etcd-next.crt is not the CA the rotation started t recorded" in " ".join(message.split())
    # A record from before fingerprints were kept is not checked, nor a controller with no rotation under way.
    assert check(dict(recorded, fingerprints={}))[0] is True
    assert check({}) == (True, None)
