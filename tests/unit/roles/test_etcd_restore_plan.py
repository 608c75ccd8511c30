"""The etcd restore's checks before anything stops, from the role's own expressions: a snapshot must be named,
a restore under way keeps its own, the snapshot must match its description, the apiservers must hold every key
that encrypted it, and the loss must be confirmed unless a restore is under way."""

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

DESCRIPTION = {"snapshot": "etcd-cp1-20261201T101500Z.db", "sha256": "ab" * 32, "taken": "2026-12-01T10:15:00Z",
               "status": {"revision": 6028, "hash": 1, "totalKey": 269}, "encryption_keys": ["key2"]}


def check(name, record=None, description=None, snapshot="etcd-cp1-20261201T101500Z.db", held=("key2",), **more):
    variables = role_variables("cluster", "etcd_restore")
    # The harness has no lookups: what the files on the controller hold is given.
    variables.update(cluster_pki_dir="/pki", etcd_restore_snapshot=snapshot, __etcd_restore_record=record or {},
                     __etcd_restore_description=DESCRIPTION if description is None else description,
                     __etcd_restore_held_keys=list(held), cluster_ca_rotation_record={}, ansible_check_mode=False,
                     __etcd_restore_at_hand=["etcd-cp1-20261201T101500Z.db"])
    variables.update(more)
    passed, message = Evaluation(find_task("etcd_restore", "plan.yml", name), variables).assertion()
    return passed, " ".join((message or "").split())


def test_a_snapshot_must_be_named():
    passed, message = check("Check a snapshot is named", snapshot="")
    assert passed is False and "Name the snapshot to restore: -e etcd_restore_snapshot=<file>" in message
    assert "There: etcd-cp1-20261201T101500Z.db." in message
    assert check("Check a snapshot is named")[0] is True
    # A restore under way names its own.
    assert check("Check a snapshot is named", snapshot="", record={"snapshot": "/pki/s.db", "phase": "serving"})[0]


def test_a_restore_under_way_is_finished_with_its_own_snapshot():
    record = {"snapshot": "/pki/etcd-snapshots/etcd-cp1-a.db", "phase": "restoring", "started": "t"}
    passed, message = check("Check a restore under way is finished with its own snapshot", record=record,
                            snapshot="etcd-cp2-b.db")
    assert passed is False and "run without etcd_restore_snapshot to finish it" in message
    assert check("Check a restore under way is finished with its own snapshot", record=record,
                 snapshot="etcd-cp1-a.db")[0] is True


@pytest.mark.parametrize("stat, description, undescribed, message", [
    ({"isreg": True, "checksum": "ab" * 32}, DESCRIPTION, False, None),
    ({"isreg": True, "checksum": "cd" * 32}, DESCRIPTION, False, "is not the snapshot its description names"),
    ({}, DESCRIPTION, False, "does not exist or is not a file"),
    ({"isreg": True, "checksum": "cd" * 32}, {}, False, "has no description beside it"),
    ({"isreg": True, "checksum": "cd" * 32}, {}, True, None),
])
def test_the_snapshot_must_be_there_and_match_its_description(stat, description, undescribed, message):
    passed, said = check("Check the snapshot is there, described and whole", description=description,
                         etcd_restore_undescribed=undescribed, __etcd_restore_snapshot_stat={"stat": stat})
    assert passed is (message is None)
    if message:
        assert message in said and said.endswith("Nothing was changed.")


def test_a_snapshot_encrypted_with_a_key_no_longer_held_is_refused():
    passed, message = check("Check the apiservers hold every key that encrypted the snapshot", held=("key3",))
    assert passed is False
    assert "written under the encryption key key2, which the apiservers no longer hold (they hold key3" in message
    assert check("Check the apiservers hold every key that encrypted the snapshot", held=("key2", "key3"))[0]


@pytest.mark.parametrize("confirm, record, passes", [
    (False, {}, False), (True, {}, True), (False, {"snapshot": "/pki/s.db", "phase": "serving"}, True)])
def test_the_loss_must_be_confirmed_unless_a_restore_is_under_way(confirm, record, passes):
    passed, message = check("Stop unless the loss is confirmed", record=record, etcd_restore_confirm=confirm)
    assert passed is passes
    if not passes:
        assert "Run again with -e etcd_restore_confirm=true to go ahead. Nothing was changed." in message


def test_site_yml_is_refused_while_a_restore_is_under_way(tmp_path):
    task = find_task("preflight", "nodes_hold.yml", "Check no etcd restore is under way")
    variables = role_variables("cluster", "preflight")
    variables.update(cluster_pki_dir=str(tmp_path))
    assert Evaluation(task, variables).assertion() == (True, None)
    (tmp_path / "etcd-restore.json").write_text('{"phase": "serving"}')
    passed, message = Evaluation(task, variables).assertion()
    assert passed is False and "run kthw.control_plane.etcd_restore to finish it, then site.yml" in " ".join(message.split())
