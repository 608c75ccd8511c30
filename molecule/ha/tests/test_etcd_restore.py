"""etcd restore (playbooks/etcd_restore.yml) from a snapshot the snapshot playbook took, from the results
side_effects/etcd_restore.yml kept in etcd_restore.json: what was written before the snapshot is back and what
was written after is gone, every Secret decrypts, a watch from before gets 410 Gone, every member holds the
same data, the former data is kept aside, the refusals changed nothing, and a run stopped half-way was finished
by the next."""

import re

import pytest
from fleet import hosts_of, recap_changed_nothing, side_effect_results, words

ETCD = hosts_of("etcd")


@pytest.fixture(scope="module")
def restore():
    return side_effect_results("etcd_restore")


def test_the_snapshot_is_described_with_its_checksum_and_encryption_keys(restore):
    description = restore["description"]
    assert description["snapshot"] == restore["snapshot"]
    assert len(description["sha256"]) == 64 and description["status"]["totalKey"] > 0
    # The encryption key rotation before left key2 alone in the ring.
    assert description["encryption_keys"] == ["key2"]


def test_check_mode_lists_the_steps_and_changes_nothing(restore):
    run = restore["check"]
    said = words(run["output"])
    assert run["rc"] == 0 and recap_changed_nothing(run["output"])
    assert "Would restore " in said and "everything written to the cluster since is lost" in said
    for step in ("stop every apiserver, controller-manager and scheduler, then etcd", "marked compacted",
                 "the same hashkv", "every Secret decrypts on each"):
        assert step in said, step


def test_without_confirmation_the_plan_says_what_is_lost_and_nothing_changes(restore):
    run = restore["unconfirmed"]
    said = words(run["output"])
    assert run["rc"] != 0
    assert "restore " in said and restore["snapshot"] in said and "everything written to the cluster since is lost" in said
    assert "Run again with -e etcd_restore_confirm=true to go ahead. Nothing was changed." in said
    assert recap_changed_nothing(run["output"])


def test_a_corrupt_snapshot_is_refused_before_anything_stops(restore):
    run = restore["corrupt"]
    said = words(run["output"])
    assert run["rc"] != 0
    assert "etcd-corrupt.db is not the snapshot its description names" in said and "Nothing was changed." in said
    assert recap_changed_nothing(run["output"])


def test_a_restore_stopped_once_etcd_was_back_was_finished_by_the_next_run(restore):
    interrupted = restore["interrupted"]
    assert interrupted["rc"] != 0
    assert interrupted["record"]["phase"] == "serving"
    assert interrupted["record"]["snapshot"].endswith("/" + restore["snapshot"])
    finished = restore["finished"]
    assert finished["rc"] == 0
    said = words(finished["output"])
    assert "finish the restore of" in said and "(phase serving)" in said
    assert "the API was down about" in said


def test_what_was_written_before_the_snapshot_is_back_and_after_it_gone(restore):
    names = {(item["kind"], item["metadata"]["name"]) for item in restore["objects"]["items"]}
    assert ("ConfigMap", "kthw-restore-before") in names
    assert ("Secret", "kthw-restore-secret") in names
    assert ("ConfigMap", "kthw-restore-after") not in names


def test_the_secret_from_before_decrypts(restore):
    import base64
    secret = [item for item in restore["objects"]["items"]
              if (item["kind"], item["metadata"]["name"]) == ("Secret", "kthw-restore-secret")][0]
    assert base64.b64decode(secret["data"]["password"]) == b"restored"


def test_a_watch_from_before_the_restore_gets_410_gone(restore):
    watch = restore["old_watch"]
    assert '"code":410' in watch["output"].replace(" ", "")
    asked, oldest = re.search(r"too old resource version: (\d+) \((\d+)\)", watch["output"]).groups()
    assert int(asked) == int(restore["old_version"])
    # The revisions went forward by the bump from the snapshot's, never back. The oldest revision the
    # apiserver still serves is the first it listed after the restore: the bumped one, or a later one
    # when leases were renewed in between; never past the revision the members reached after the watch.
    bumped = restore["description"]["status"]["revision"] + 1000000000
    reached = min(entry["HashKV"]["hash_revision"] for entry in restore["hashkv"])
    assert int(asked) < bumped <= int(oldest) <= reached, (asked, bumped, oldest, reached)


def test_every_member_holds_the_same_data(restore):
    hashes = {(entry["HashKV"]["hash"], entry["HashKV"]["hash_revision"]) for entry in restore["hashkv"]}
    assert len(restore["hashkv"]) == len(ETCD) and len(hashes) == 1, restore["hashkv"]


@pytest.mark.parametrize("member", ETCD)
def test_each_member_kept_its_former_data_aside(restore, member):
    token = restore["interrupted"]["record"]["token"]
    assert "/var/lib/etcd.before-" + token in restore["folders"][member]
    assert "/var/lib/etcd.restoring" not in restore["folders"][member]


def test_a_re_run_of_site_after_the_restore_changes_nothing(restore):
    site = restore["site_after"]
    assert site["rc"] == 0 and recap_changed_nothing(site["output"]), site["output"][-2000:]
