# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""file_bundle's pure decisions, by tables: which attributes differ, what a set of reasons means
(changed, rewritten, removed), which restart marks a plan owes, and what the result and the diffs
say of a plan. Nothing here touches the disk."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._files.plan import (
    REASONS, Decision, attribute_reasons, marks_of)
from ansible_collections.kthw.control_plane.plugins.module_utils._files.result import (
    bundle_result, diff_of_directory, diff_of_file)
from ansible_collections.kthw.control_plane.plugins.module_utils._files.spec import WantedDirectory, WantedFile

# Ids no host names, so that the diffs show them as numbers.
UID, GID, OTHER = 4242421, 4242422, 4242423


def lstat(mode, uid=UID, gid=GID, kind=stat.S_IFREG):
    """An lstat result: (mode, ino, dev, nlink, uid, gid, size, atime, mtime, ctime)."""
    return os.stat_result((kind | mode, 1, 1, 1, uid, gid, 0, 0, 0, 0))


def wanted_file(dest="/etc/kthw/a.key", mode=0o600, marks=(), absent=False):
    if absent:
        return WantedFile(dest, None, None, None, None, absent=True)
    return WantedFile(dest, b"secret", UID, GID, mode, marks=marks)


@pytest.mark.parametrize("current, mode, reasons", [
    (lstat(0o600), 0o600, []),
    (lstat(0o644), 0o600, ["mode"]),
    (lstat(0o400), 0o600, ["mode"]),
    (lstat(0o2750, kind=stat.S_IFDIR), 0o750, ["mode"]),
    (lstat(0o750, kind=stat.S_IFDIR), 0o750, []),
    (lstat(0o600, uid=OTHER), 0o600, ["owner"]),
    (lstat(0o600, gid=OTHER), 0o600, ["group"]),
    (lstat(0o644, uid=OTHER, gid=OTHER), 0o600, ["owner", "group", "mode"]),
], ids=["same", "wider", "narrower", "setgid", "directory", "owner", "group", "all-three"])
def test_attribute_reasons(current, mode, reasons):
    assert attribute_reasons(current, wanted_file(mode=mode)) == reasons


@pytest.mark.parametrize("reasons, changed, rewrite, remove", [
    ([], False, False, False),
    (["missing"], True, True, False),
    (["type"], True, True, False),
    (["content"], True, True, False),
    (["content", "mode"], True, True, False),
    (["owner"], True, False, False),
    (["group", "mode"], True, False, False),
    (["absent"], True, False, True),
])
def test_what_reasons_mean(reasons, changed, rewrite, remove):
    decision = Decision(wanted_file(), reasons, None)
    assert (decision.changed, decision.rewrite, decision.remove) == (changed, rewrite, remove)


def test_every_reason_is_known():
    assert set(REASONS) == {"missing", "type", "content", "owner", "group", "mode", "absent"}


@pytest.mark.parametrize("plan, marks", [
    ([], []),
    ([(["content"], ["/run/kthw/etcd"])], ["/run/kthw/etcd"]),
    ([(["missing"], ["/run/b", "/run/a"])], ["/run/a", "/run/b"]),
    ([(["type"], ["/run/a"])], ["/run/a"]),
    ([(["mode"], ["/run/a"]), (["owner", "group"], ["/run/b"])], []),
    ([([], ["/run/a"])], []),
    ([(["content"], ["/run/a"]), (["content", "mode"], ["/run/a", "/run/c"]), (["mode"], ["/run/b"])],
     ["/run/a", "/run/c"]),
], ids=["nothing", "content", "missing-sorted", "type", "attributes-owe-nothing", "unchanged", "merged"])
def test_only_a_new_content_owes_its_marks(plan, marks):
    decisions = [Decision(wanted_file("/etc/kthw/%d" % index, marks=owed), reasons, None)
                 for index, (reasons, owed) in enumerate(plan)]
    assert marks_of(decisions) == marks


def attributes(uid, gid, mode):
    return "owner: %s\ngroup: %s\nmode: '%04o'\n" % (uid, gid, mode)


@pytest.mark.parametrize("reasons, current, before, after", [
    (["missing"], None, "", attributes(UID, GID, 0o600) + "content: (new, not shown)\n"),
    (["content"], lstat(0o600), attributes(UID, GID, 0o600) + "content: (current, not shown)\n",
     attributes(UID, GID, 0o600) + "content: (new, not shown)\n"),
    (["mode"], lstat(0o644), attributes(UID, GID, 0o644) + "content: (not shown)\n",
     attributes(UID, GID, 0o600) + "content: (not shown)\n"),
    (["owner"], lstat(0o600, uid=OTHER), attributes(OTHER, GID, 0o600) + "content: (not shown)\n",
     attributes(UID, GID, 0o600) + "content: (not shown)\n"),
    (["type"], lstat(0o777, kind=stat.S_IFLNK), "symbolic link\n",
     attributes(UID, GID, 0o600) + "content: (new, not shown)\n"),
], ids=["missing", "content", "mode", "owner", "symlink"])
def test_the_diff_of_a_file_names_its_attributes_never_its_content(reasons, current, before, after):
    diff = diff_of_file(Decision(wanted_file(), reasons, current))
    assert diff == dict(before_header="/etc/kthw/a.key", after_header="/etc/kthw/a.key", before=before, after=after)
    assert "secret" not in repr(diff)


@pytest.mark.parametrize("current, before", [
    (lstat(0o600), attributes(UID, GID, 0o600) + "content: (current, not shown)\n"),
    (lstat(0o777, kind=stat.S_IFLNK), "symbolic link\n"),
], ids=["file", "symlink"])
def test_the_diff_of_a_removal(current, before):
    diff = diff_of_file(Decision(wanted_file(absent=True), ["absent"], current))
    assert (diff["before"], diff["after"]) == (before, "")


@pytest.mark.parametrize("current, before", [
    (None, ""),
    (lstat(0o700, kind=stat.S_IFDIR), attributes(UID, GID, 0o700)),
], ids=["missing", "mode"])
def test_the_diff_of_a_directory(current, before):
    wanted = WantedDirectory("/etc/kthw", UID, GID, 0o755)
    diff = diff_of_directory(Decision(wanted, ["mode"], current))
    assert diff == dict(before_header="/etc/kthw", after_header="/etc/kthw", before=before,
                        after=attributes(UID, GID, 0o755))


def test_the_result_lists_every_entry_and_what_changed():
    directories = [Decision(WantedDirectory("/etc/kthw", UID, GID, 0o755), [], lstat(0o755, kind=stat.S_IFDIR)),
                   Decision(WantedDirectory("/etc/kthw/pki", UID, GID, 0o700), ["missing"], None)]
    files = [Decision(wanted_file("/etc/kthw/pki/a.key"), ["missing"], None),
             Decision(wanted_file("/etc/kthw/a.conf"), [], lstat(0o600)),
             Decision(wanted_file("/etc/kthw/old", absent=True), ["absent"], lstat(0o600))]
    result = bundle_result(directories, files, ["/run/kthw/mark"])
    assert result == dict(
        changed=True,
        changed_files=["/etc/kthw/pki/a.key", "/etc/kthw/old"],
        marked=["/run/kthw/mark"],
        files=[dict(dest="/etc/kthw/pki/a.key", state="present", changed=True, changed_reasons=["missing"]),
               dict(dest="/etc/kthw/a.conf", state="present", changed=False, changed_reasons=[]),
               dict(dest="/etc/kthw/old", state="absent", changed=True, changed_reasons=["absent"])],
        changed_directories=["/etc/kthw/pki"],
        directories=[dict(path="/etc/kthw", changed=False, changed_reasons=[]),
                     dict(path="/etc/kthw/pki", changed=True, changed_reasons=["missing"])],
    )
    with_diff = bundle_result(directories, files, [], diff=True)
    assert [d["before_header"] for d in with_diff["diff"]] == ["/etc/kthw/pki", "/etc/kthw/pki/a.key", "/etc/kthw/old"]
    assert "secret" not in repr(with_diff)


@pytest.mark.parametrize("directory_reasons, file_reasons, changed", [
    ([], [], False),
    (["mode"], [], True),
    ([], ["owner"], True),
])
def test_the_result_is_changed_when_anything_changes(directory_reasons, file_reasons, changed):
    result = bundle_result([Decision(WantedDirectory("/d", UID, GID, 0o755), directory_reasons, None)],
                           [Decision(wanted_file("/d/f"), file_reasons, None)], [])
    assert result["changed"] is changed and "diff" not in result
