"""The cluster role's nothing_under_way.yml, which the day-2 playbooks run before they change anything: a rotation
or restore stopped half-way is named with the playbook that finishes it; the records a finished rotation leaves
behind (an encryption key ring with no rotation in it) are no reason to stop."""

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

TASK = "Check no other operation is under way"


def evaluate(tmp_path, **records):
    variables = role_variables("cluster")
    variables.update(cluster_pki_dir=str(tmp_path), cluster_operation="the removal", cluster_ca_rotation_record={},
                     cluster_encryption_record={}, cluster_service_account_record={})
    variables.update(records)
    return Evaluation(find_task("cluster", "nothing_under_way.yml", TASK), variables).assertion()


def test_finished_rotations_do_not_stop_the_run(tmp_path):
    passed, _message = evaluate(
        tmp_path, cluster_encryption_record={"ring": [{"name": "key2"}, {"name": "key1"}], "rotation": None},
        cluster_service_account_record={"ring": [], "rotation": {"phase": "done"}})
    assert passed is True


@pytest.mark.parametrize("records, expected", [
    ({"cluster_encryption_record": {"rotation": {"new": "key2", "phase": "E2"}}},
     "An encryption key rotation (kthw.control_plane.rotate_encryption_key"),
    ({"cluster_ca_rotation_record": {"cas": ["etcd"], "phase": "P1"}}, "A CA rotation (kthw.control_plane.rotate_ca"),
    ({"cluster_service_account_record": {"rotation": {"phase": "trusting"}}},
     "A service-account key rotation (kthw.control_plane.rotate_service_account_key"),
])
def test_an_operation_under_way_is_named(tmp_path, records, expected):
    passed, message = evaluate(tmp_path, **records)
    said = " ".join(message.split())
    assert passed is False and expected in said
    assert said.endswith("is under way: run the playbook that started it to finish it, then the removal. Nothing was "
                         "changed.")


@pytest.mark.parametrize("record, expected", [
    ("rotation-pending.json", "A certificate rotation (kthw.control_plane.rotate_certs"),
    ("etcd-restore.json", "An etcd restore (kthw.control_plane.etcd_restore"),
])
def test_a_record_file_left_on_the_controller_is_named(tmp_path, record, expected):
    (tmp_path / record).write_text("{}")
    passed, message = evaluate(tmp_path)
    assert passed is False and expected in " ".join(message.split())
