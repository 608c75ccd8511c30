"""file_bundle, the node side: each file decided by content, owner, group and mode; keys private
from their first byte; attributes changed in place without widening access; directories made in
order before any file, files asked absent removed last, the whole bundle decided before anything
is written; nothing secret in results or diffs."""

import base64
import grp
import hashlib
import os
import pwd
import stat

import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.module_utils._common import files as private
from ansible_collections.kthw.control_plane.plugins.module_utils._files import apply as bundle_apply
from ansible_collections.kthw.control_plane.plugins.module_utils._files import plan, spec
from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError
from ansible_collections.kthw.control_plane.plugins.modules import file_bundle

KEY = b"-----BEGIN PRIVATE KEY-----\nS3VuaXRTRUNSRVRrZXlib2R5\n-----END PRIVATE KEY-----\n"
CERT = b"-----BEGIN CERTIFICATE-----\nY2VydGlmaWNhdGVib2R5\n-----END CERTIFICATE-----\n"
ME = pwd.getpwuid(os.geteuid()).pw_name
MY_GROUP = grp.getgrgid(os.getegid()).gr_name
# Debian's unprivileged user and group, both 65534.
NOBODY = "nobody"
NOGROUP = "nogroup"


def entry(dest, data=KEY, **changes):
    """One entry of the files option as the action plugin sends it."""
    item = dict(dest=str(dest), content_base64=base64.b64encode(data).decode("ascii"), owner=ME, group=MY_GROUP)
    item.update(changes)
    return item


def make_file(path, data, mode=0o600, uid=-1, gid=-1):
    path.write_bytes(data)
    os.chown(str(path), uid, gid)
    os.chmod(str(path), mode)
    return path


def state(d):
    """Every file of d: content, mode, owner, group, inode, mtime and ctime, to prove nothing was touched."""
    result = {}
    for name in sorted(os.listdir(str(d))):
        st = os.lstat(str(d / name))
        data = (d / name).read_bytes() if stat.S_ISREG(st.st_mode) else None  # a fifo would block
        result[name] = (data, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    return result


def mode_of(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def assert_no_content(outputs, *contents):
    """No output holds any content, its base64 form or its SHA-256 (a low-entropy secret could be guessed from it)."""
    text = repr(outputs)
    assert "PRIVATE KEY" not in text and "-----BEGIN" not in text
    for data in contents:
        for line in data.splitlines():
            if line and not line.startswith(b"-----"):
                assert line.decode() not in text
        assert base64.b64encode(data).decode() not in text
        assert hashlib.sha256(data).hexdigest() not in text


# --- the decision, one file at a time ------------------------------------------------------------

@pytest.mark.parametrize("existing, wanted, reasons", [
    (None, dict(), ["missing"]),
    (dict(), dict(), []),
    (dict(data=b"old"), dict(), ["content"]),
    (dict(data=b""), dict(), ["content"]),
    (dict(mode=0o644), dict(), ["mode"]),
    (dict(mode=0o400), dict(mode=0o600), ["mode"]),
    (dict(data=b"old", mode=0o644), dict(), ["content", "mode"]),
    (dict(), dict(data=CERT, mode=0o644), ["content", "mode"]),
    ("symlink", dict(), ["type"]),
], ids=["missing", "same", "content", "empty", "wider-mode", "narrower-mode", "content-and-mode", "new-content-and-mode",
        "symlink"])
def test_decide_by_content_and_mode(tmp_path, existing, wanted, reasons):
    dest = tmp_path / "a.key"
    if existing == "symlink":
        make_file(tmp_path / "elsewhere", KEY)
        os.symlink(str(tmp_path / "elsewhere"), str(dest))
    elif existing is not None:
        make_file(dest, existing.get("data", KEY), existing.get("mode", 0o600))
    before = state(tmp_path)
    want = spec.WantedFile(str(dest), wanted.get("data", KEY), os.geteuid(), os.getegid(), wanted.get("mode", 0o600))
    assert plan.decide_file(want).reasons == reasons
    assert state(tmp_path) == before, "deciding never writes"


@pytest.mark.usefixtures("needs_root")
@pytest.mark.parametrize("uid, gid, reasons", [
    (0, 0, []),
    (65534, 0, ["owner"]),
    (0, 65534, ["group"]),
    (65534, 65534, ["owner", "group"]),
])
def test_decide_by_owner_and_group(tmp_path, uid, gid, reasons):
    dest = make_file(tmp_path / "a.key", KEY, 0o600, uid, gid)
    assert plan.decide_file(spec.WantedFile(str(dest), KEY, 0, 0, 0o600)).reasons == reasons


@pytest.mark.parametrize("mode, value", [
    ("0600", 0o600), ("600", 0o600), ("0o640", 0o640), ("0400", 0o400), ("0", 0), ("2750", 0o2750),
    (0o644, 0o644), (384, 0o600),
])
def test_modes_are_octal_strings_or_numbers(mode, value):
    assert spec.parse_mode(mode, "/x") == value


@pytest.mark.parametrize("mode", ["u=rw", "0800", "", "0o", "17777", 0o10000, -1, True, None])
def test_symbolic_or_impossible_modes_are_refused(mode):
    with pytest.raises(BundleError, match="/x"):
        spec.parse_mode(mode, "/x")


# --- the module, end to end ------------------------------------------------------------------------

def test_new_files_are_written_with_their_attributes(tmp_path, run_module):
    result = run_module(file_bundle, dict(files=[
        entry(tmp_path / "a.key"),
        entry(tmp_path / "a.crt", CERT, mode="0644"),
        dict(dest=str(tmp_path / "conf.yaml"), content="kind: Config\n", owner=ME, group=MY_GROUP, mode="0640"),
    ]))
    assert result["changed"] and not result.get("failed"), result
    assert result["changed_files"] == [str(tmp_path / n) for n in ("a.key", "a.crt", "conf.yaml")]
    assert [f["changed_reasons"] for f in result["files"]] == [["missing"]] * 3
    assert (tmp_path / "a.key").read_bytes() == KEY and mode_of(tmp_path / "a.key") == 0o600
    assert (tmp_path / "a.crt").read_bytes() == CERT and mode_of(tmp_path / "a.crt") == 0o644
    assert (tmp_path / "conf.yaml").read_bytes() == b"kind: Config\n" and mode_of(tmp_path / "conf.yaml") == 0o640
    assert sorted(os.listdir(str(tmp_path))) == ["a.crt", "a.key", "conf.yaml"], "no temporary file is left behind"


@pytest.mark.parametrize("mode", ["0600", "0644"])
def test_a_new_file_is_0600_and_empty_when_created_even_with_umask_000(tmp_path, run_module, file_births, mode):
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.key", mode=mode)]))
    created = file_births.created
    assert result["changed"], result
    assert len(created) == 1
    name, flags, created_mode, size = created[0]
    assert name.startswith(".kthw-private.") and flags & os.O_EXCL, "a new temporary file, never an existing one"
    assert (created_mode, size) == (0o600, 0), "0600 before its first byte"
    assert mode_of(tmp_path / "a.key") == int(mode, 8)


def test_the_temporary_file_gets_owner_and_mode_before_it_is_renamed(tmp_path, run_module, monkeypatch):
    seen, real_replace = [], os.replace

    def spy_replace(src, dst):
        st = os.stat(src)
        seen.append((os.path.basename(src), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, open(src, "rb").read()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy_replace)
    run_module(file_bundle, dict(files=[entry(tmp_path / "a.crt", CERT, mode="0644")]))
    assert len(seen) == 1
    name, mode, uid, gid, data = seen[0]
    assert name.startswith(".kthw-private.")
    assert (mode, uid, gid, data) == (0o644, os.geteuid(), os.getegid(), CERT)


def test_an_unchanged_bundle_is_left_alone(tmp_path, run_module, monkeypatch):
    files = [entry(tmp_path / "a.key"), entry(tmp_path / "a.crt", CERT, mode="0644")]
    assert run_module(file_bundle, dict(files=files))["changed"]
    before = state(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("nothing is written")

    for name in ("replace", "chmod", "fchmod", "chown", "fchown"):
        monkeypatch.setattr(os, name, refuse)
    again = run_module(file_bundle, dict(files=files))
    assert again["changed"] is False and again["changed_files"] == []
    assert again["files"] == [dict(dest=f["dest"], state="present", changed=False, changed_reasons=[]) for f in files]
    assert state(tmp_path) == before, "content, attributes, inode, mtime and ctime are all the same"


def test_a_content_change_replaces_the_file(tmp_path, run_module):
    dest = make_file(tmp_path / "a.key", b"old key\n", 0o600)
    inode = os.stat(str(dest)).st_ino
    result = run_module(file_bundle, dict(files=[entry(dest)]))
    assert result["changed_files"] == [str(dest)] and result["files"][0]["changed_reasons"] == ["content"]
    assert dest.read_bytes() == KEY and mode_of(dest) == 0o600
    assert os.stat(str(dest)).st_ino != inode, "replaced by a rename, never rewritten in place"


def test_a_new_key_never_takes_the_mode_of_the_file_it_replaces(tmp_path, run_module):
    dest = make_file(tmp_path / "a.key", b"old key\n", 0o644)
    result = run_module(file_bundle, dict(files=[entry(dest)]))
    assert result["files"][0]["changed_reasons"] == ["content", "mode"]
    assert dest.read_bytes() == KEY and mode_of(dest) == 0o600


def test_an_attribute_change_alone_leaves_the_content_in_place(tmp_path, run_module):
    dest = make_file(tmp_path / "a.crt", CERT, 0o600)
    st = os.stat(str(dest))
    result = run_module(file_bundle, dict(files=[entry(dest, CERT, mode="0644")]))
    assert result["changed"] and result["files"][0]["changed_reasons"] == ["mode"]
    after = os.stat(str(dest))
    assert mode_of(dest) == 0o644 and dest.read_bytes() == CERT
    assert (after.st_ino, after.st_mtime_ns) == (st.st_ino, st.st_mtime_ns)


def test_a_symbolic_link_is_replaced_and_its_target_left_alone(tmp_path, run_module):
    target = make_file(tmp_path / "target", b"elsewhere\n", 0o644)
    os.symlink(str(target), str(tmp_path / "a.key"))
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.key")]))
    assert result["files"][0]["changed_reasons"] == ["type"]
    assert not os.path.islink(str(tmp_path / "a.key")) and (tmp_path / "a.key").read_bytes() == KEY
    assert target.read_bytes() == b"elsewhere\n" and mode_of(target) == 0o644


@pytest.mark.usefixtures("needs_root")
@pytest.mark.parametrize("start, wanted, calls", [
    # A readable key given to someone else: the mode is narrowed before the owner changes.
    ((0o644, 0, 0), (0o600, 65534, 65534), [("fchmod", 0o600), ("fchown", 65534, 65534)]),
    # Group-readable, to another group: never readable by the new group with the old mode.
    ((0o640, 0, 0), (0o600, 0, 65534), [("fchmod", 0o600), ("fchown", 0, 65534)]),
    # Widening happens only once the file belongs to its new owner and group.
    ((0o600, 0, 0), (0o640, 0, 65534), [("fchown", 0, 65534), ("fchmod", 0o640)]),
    ((0o640, 0, 65534), (0o600, 0, 65534), [("fchmod", 0o600)]),
    ((0o600, 65534, 65534), (0o600, 0, 0), [("fchown", 0, 0)]),
])
def test_attributes_change_in_place_without_widening_access(tmp_path, run_module, monkeypatch, start, wanted, calls):
    dest = make_file(tmp_path / "a.key", KEY, *start)
    inode = os.stat(str(dest)).st_ino
    seen, real_fchmod, real_fchown = [], os.fchmod, os.fchown

    def spy_fchmod(fd, mode):
        seen.append(("fchmod", mode))
        real_fchmod(fd, mode)

    def spy_fchown(fd, uid, gid):
        seen.append(("fchown", uid, gid))
        real_fchown(fd, uid, gid)

    monkeypatch.setattr(os, "fchmod", spy_fchmod)
    monkeypatch.setattr(os, "fchown", spy_fchown)
    mode, uid, gid = wanted
    result = run_module(file_bundle, dict(files=[entry(dest, mode="%04o" % mode, owner=str(uid), group=str(gid))]))
    assert result["changed"] and "content" not in result["files"][0]["changed_reasons"]
    assert seen == calls
    st = os.stat(str(dest))
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino) == (mode, uid, gid, inode)
    assert dest.read_bytes() == KEY


@pytest.mark.usefixtures("needs_root")
def test_owner_and_group_by_name_and_by_number(tmp_path, run_module):
    result = run_module(file_bundle, dict(files=[
        entry(tmp_path / "by-name", owner=NOBODY, group=NOGROUP),
        entry(tmp_path / "owner-only", owner="daemon", group=None),
        entry(tmp_path / "by-number", owner="4242", group="4343"),
        entry(tmp_path / "number-only", owner="4242", group=None),
        entry(tmp_path / "as-int", owner=4242, group=0),
    ]))
    assert not result.get("failed"), result
    owners = dict((name, (os.stat(str(tmp_path / name)).st_uid, os.stat(str(tmp_path / name)).st_gid))
                  for name in os.listdir(str(tmp_path)))
    assert owners == {"by-name": (pwd.getpwnam(NOBODY).pw_uid, grp.getgrnam(NOGROUP).gr_gid),
                      "owner-only": (pwd.getpwnam("daemon").pw_uid, grp.getgrnam("daemon").gr_gid),
                      "by-number": (4242, 4343), "number-only": (4242, 4242), "as-int": (4242, 0)}


def test_without_group_the_group_named_like_the_owner_must_exist(tmp_path, run_module):
    # Debian's nobody has no group of its name (its group is nogroup): no guessing.
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.key", owner=NOBODY, group=None)]))
    assert result["failed"] and result["msg"] == (
        "group of %s: no group is named like its owner nobody on this host; set group" % (tmp_path / "a.key"))
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("changes, message", [
    (dict(owner="no-such-user-kthw"), "owner no-such-user-kthw of {dest}: no such user"),
    (dict(group="no-such-group-kthw"), "group no-such-group-kthw of {dest}: no such group"),
    (dict(owner="no-such-user-kthw", group="0"), "owner no-such-user-kthw of {dest}: no such user"),
    (dict(mode="u=rw"), "mode 'u=rw' of {dest}"),
    (dict(content_base64="not base64!"), "content_base64 of {dest} is not valid base64"),
    (dict(src="/controller/a.key"), "src of {dest} is read on the controller"),
])
def test_what_cannot_be_done_fails_before_anything_is_written(tmp_path, run_module, changes, message):
    dest = tmp_path / "b.key"
    second = entry(dest, **changes)
    if "src" in changes:  # as if the action plugin had been bypassed
        del second["content_base64"]
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.key"), second]))
    assert result["failed"] and message.format(dest=dest) in result["msg"], result
    assert result["changed"] is False and result["changed_files"] == []
    assert os.listdir(str(tmp_path)) == [], "the first, valid file is not written either"
    assert_no_content(result, KEY)


def test_a_missing_directory_fails_naming_it(tmp_path, run_module):
    missing = tmp_path / "pki"
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.crt", CERT), entry(missing / "a.key")]))
    assert result["failed"]
    assert result["msg"] == "cannot write %s: the directory %s does not exist" % (missing / "a.key", missing)
    assert os.listdir(str(tmp_path)) == []


def test_a_directory_or_fifo_in_the_way_fails(tmp_path, run_module):
    (tmp_path / "a.key").mkdir()
    os.mkfifo(str(tmp_path / "b.key"))
    for name in ("a.key", "b.key"):
        result = run_module(file_bundle, dict(files=[entry(tmp_path / name)]))
        assert result["failed"] and "%s exists and is not a regular file" % (tmp_path / name) in result["msg"]


@pytest.mark.parametrize("dests", [
    ["{d}/a.key", "{d}/a.key"],
    ["{d}/a.key", "{d}//a.key"],
    ["{d}/a.key", "{d}/sub/../a.key"],
])
def test_a_dest_given_twice_fails(tmp_path, run_module, dests):
    result = run_module(file_bundle, dict(files=[entry(dest.format(d=tmp_path)) for dest in dests]))
    assert result["failed"] and result["msg"] == "dest given more than once: %s" % (tmp_path / "a.key")
    assert os.listdir(str(tmp_path)) == []


def test_a_relative_dest_fails(tmp_path, run_module, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    result = run_module(file_bundle, dict(files=[entry("a.key")]))
    assert result["failed"] and "must be an absolute path" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("existing, reasons", [
    (None, ["missing"]),
    (dict(data=b"old"), ["content"]),
    (dict(mode=0o644), ["mode"]),
])
def test_check_mode_decides_the_same_and_writes_nothing(tmp_path, run_module, existing, reasons):
    dest = tmp_path / "a.key"
    if existing:
        make_file(dest, existing.get("data", KEY), existing.get("mode", 0o600))
    before = state(tmp_path)
    checked = run_module(file_bundle, dict(files=[entry(dest)]), check_mode=True, diff=True)
    assert state(tmp_path) == before
    assert checked["changed"] and checked["changed_files"] == [str(dest)]
    assert checked["files"][0]["changed_reasons"] == reasons
    real = run_module(file_bundle, dict(files=[entry(dest)]), diff=True)
    assert (real["changed"], real["files"], real["diff"]) == (checked["changed"], checked["files"], checked["diff"])
    assert not run_module(file_bundle, dict(files=[entry(dest)]), check_mode=True)["changed"]


def test_the_diff_names_files_and_attributes_never_content(tmp_path, run_module):
    make_file(tmp_path / "a.crt", CERT, 0o600)
    make_file(tmp_path / "same.key", KEY, 0o600)
    make_file(tmp_path / "old.key", b"old secret 0123456789\n", 0o600)
    result = run_module(file_bundle, dict(files=[
        entry(tmp_path / "a.crt", CERT, mode="0644"),
        entry(tmp_path / "same.key"),
        entry(tmp_path / "old.key"),
        entry(tmp_path / "new.key"),
    ]), diff=True)
    diffs = result["diff"]
    assert [d["before_header"] for d in diffs] == [str(tmp_path / n) for n in ("a.crt", "old.key", "new.key")]
    assert diffs[0]["before"] == "owner: %s\ngroup: %s\nmode: '0600'\ncontent: (not shown)\n" % (ME, MY_GROUP)
    assert diffs[0]["after"] == "owner: %s\ngroup: %s\nmode: '0644'\ncontent: (not shown)\n" % (ME, MY_GROUP)
    assert diffs[1]["before"].endswith("content: (current, not shown)\n")
    assert diffs[1]["after"].endswith("content: (new, not shown)\n")
    assert diffs[2]["before"] == ""
    assert_no_content(result, KEY, CERT, b"old secret 0123456789\n")


def test_contents_never_appear_in_any_result(tmp_path, run_module):
    secret_text = "password: kthw-unit-secret-4711\n"
    files = [entry(tmp_path / "a.key"), dict(dest=str(tmp_path / "c.yaml"), content=secret_text, owner=ME, group=MY_GROUP)]
    outputs = [run_module(file_bundle, dict(files=files), check_mode=True, diff=True),
               run_module(file_bundle, dict(files=files), diff=True),
               run_module(file_bundle, dict(files=files), diff=True),
               run_module(file_bundle, dict(files=files + [entry(tmp_path / "nope" / "x")]), diff=True)]
    assert outputs[-1]["failed"]
    for output in outputs:
        assert set(output) <= {"changed", "changed_files", "files", "changed_directories", "directories", "diff",
                               "marked", "invocation", "warnings", "failed", "msg"}
    assert_no_content(outputs, KEY, secret_text.encode())
    invocation = outputs[0]["invocation"]["module_args"]["files"]
    assert invocation[0]["content_base64"] == invocation[1]["content"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_a_failure_while_staging_changes_no_file(tmp_path, run_module, monkeypatch):
    real_stage = private.stage_private

    def fail_second(path, *args, **kwargs):
        if path.endswith("b.key"):
            raise OSError(28, "No space left on device")
        return real_stage(path, *args, **kwargs)

    monkeypatch.setattr(bundle_apply, "stage_private", fail_second)
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.key"), entry(tmp_path / "b.key")]))
    assert result["failed"] and result["msg"] == "cannot update %s: No space left on device" % (tmp_path / "b.key")
    assert result["changed"] is False and result["changed_files"] == []
    assert sorted(os.listdir(tmp_path)) == []  # neither file, and no staged leftover


def test_staged_files_are_swapped_in_back_to_back(tmp_path, run_module, monkeypatch):
    events = []
    real_stage, real_replace = private.stage_private, os.replace

    def stage(path, *args, **kwargs):
        events.append(("stage", os.path.basename(path)))
        return real_stage(path, *args, **kwargs)

    def replace(src, dst):
        events.append(("replace", os.path.basename(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(bundle_apply, "stage_private", stage)
    monkeypatch.setattr(bundle_apply.os, "replace", replace)
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.crt"), entry(tmp_path / "a.key")]))
    assert result["changed_files"] == [str(tmp_path / "a.crt"), str(tmp_path / "a.key")]
    assert events == [("stage", "a.crt"), ("stage", "a.key"), ("replace", "a.crt"), ("replace", "a.key")]


# --- directories ----------------------------------------------------------------------------------

def folder(path, **changes):
    """One entry of the directories option."""
    item = dict(path=str(path), owner=ME, group=MY_GROUP)
    item.update(changes)
    return item


def owner_of(path):
    st = os.lstat(str(path))
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


@pytest.fixture
def fd_calls(monkeypatch):
    """Every mkdir, chmod and chown the module makes, by name and arguments, in order."""
    seen = []
    for name in ("mkdir", "fchmod", "fchown", "chmod", "chown"):
        real = getattr(os, name)

        def spy(first, *args, _name=name, _real=real, **kwargs):
            seen.append((_name,) + (() if _name.startswith("f") else (os.path.basename(first),)) + args)
            return _real(first, *args, **kwargs)
        monkeypatch.setattr(os, name, spy)
    return seen


@pytest.mark.usefixtures("needs_root")
def test_directories_are_made_in_order_with_their_owners_and_modes(tmp_path, run_module):
    etc = tmp_path / "etc"
    result = run_module(file_bundle, dict(
        directories=[
            dict(path=str(etc)),
            dict(path=str(etc / "pki"), owner=NOBODY, group=NOGROUP, mode="0750"),
            dict(path=str(etc / "pki" / "private"), owner="4242", mode="0700"),
            dict(path=str(etc / "pki" / "private" / "empty"), owner="daemon", mode=0o500),
        ],
        files=[entry(etc / "pki" / "private" / "a.key", owner=NOBODY, group=NOGROUP)],
    ))
    assert result["changed"] and not result.get("failed"), result
    paths = [str(etc), str(etc / "pki"), str(etc / "pki" / "private"), str(etc / "pki" / "private" / "empty")]
    assert result["changed_directories"] == paths
    assert result["directories"] == [dict(path=p, changed=True, changed_reasons=["missing"]) for p in paths]
    assert result["changed_files"] == [str(etc / "pki" / "private" / "a.key")]
    nobody, nogroup, daemon = pwd.getpwnam(NOBODY).pw_uid, grp.getgrnam(NOGROUP).gr_gid, pwd.getpwnam("daemon").pw_uid
    assert owner_of(etc) == (0o755, 0, 0), "owner root and its group, mode 0755 by default"
    assert owner_of(etc / "pki") == (0o750, nobody, nogroup)
    assert owner_of(etc / "pki" / "private") == (0o700, 4242, 4242)
    assert owner_of(etc / "pki" / "private" / "empty") == (0o500, daemon, grp.getgrnam("daemon").gr_gid)
    assert (etc / "pki" / "private" / "a.key").read_bytes() == KEY
    again = run_module(file_bundle, dict(directories=[dict(path=p) for p in paths[:1]]))
    assert again["changed"] is False and again["directories"] == [dict(path=paths[0], changed=False, changed_reasons=[])]


@pytest.mark.usefixtures("needs_root")
@pytest.mark.parametrize("owner, mode, calls", [
    # Created 0700 and never wider: narrowed to what the owner may have before it changes hands.
    ("65534", "0500", [("mkdir", "d", 0o700), ("fchmod", 0o500), ("fchown", 65534, 65534)]),
    ("65534", "0755", [("mkdir", "d", 0o700), ("fchown", 65534, 65534), ("fchmod", 0o755)]),
    ("0", "0700", [("mkdir", "d", 0o700)]),
])
def test_a_new_directory_is_0700_until_it_has_its_owner(tmp_path, run_module, fd_calls, owner, mode, calls):
    old = os.umask(0)
    try:
        result = run_module(file_bundle, dict(directories=[dict(path=str(tmp_path / "d"), owner=owner, mode=mode)]))
    finally:
        os.umask(old)
    assert result["changed"] and not result.get("failed"), result
    assert fd_calls == calls
    assert owner_of(tmp_path / "d") == (int(mode, 8), int(owner), int(owner))


@pytest.mark.parametrize("order", [["{d}/a/b", "{d}/a"], ["{d}/a/b"]], ids=["parent-listed-later", "parent-not-listed"])
def test_a_missing_parent_fails_naming_it(tmp_path, run_module, order):
    result = run_module(file_bundle, dict(directories=[folder(p.format(d=tmp_path)) for p in order]))
    assert result["failed"] and result["msg"] == (
        "cannot create the directory %s: its parent %s does not exist and is not listed before it in directories (or set parents=true)"
        % (tmp_path / "a" / "b", tmp_path / "a"))
    assert result["changed"] is False and result["changed_directories"] == []
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.usefixtures("needs_root")
@pytest.mark.parametrize("start, wanted, calls, reasons", [
    ((0o755, 0, 0), (0o750, 0, 65534), [("fchmod", 0o750), ("fchown", 0, 65534)], ["group", "mode"]),
    ((0o755, 0, 0), (0o700, 65534, 65534), [("fchmod", 0o700), ("fchown", 65534, 65534)], ["owner", "group", "mode"]),
    ((0o700, 0, 0), (0o755, 65534, 65534), [("fchown", 65534, 65534), ("fchmod", 0o755)], ["owner", "group", "mode"]),
    ((0o777, 65534, 65534), (0o755, 65534, 65534), [("fchmod", 0o755)], ["mode"]),
    ((0o755, 65534, 0), (0o755, 0, 0), [("fchown", 0, 0)], ["owner"]),
])
def test_an_existing_directory_is_fixed_in_place_without_widening(tmp_path, run_module, fd_calls,
                                                                  start, wanted, calls, reasons):
    d = tmp_path / "d"
    d.mkdir()
    (d / "inside").write_bytes(b"left alone\n")
    os.chown(str(d), start[1], start[2])
    os.chmod(str(d), start[0])
    inode = os.stat(str(d)).st_ino
    del fd_calls[:]
    mode, uid, gid = wanted
    result = run_module(file_bundle, dict(directories=[dict(path=str(d), owner=str(uid), group=str(gid),
                                                            mode="%04o" % mode)]))
    assert result["directories"] == [dict(path=str(d), changed=True, changed_reasons=reasons)]
    assert fd_calls == calls
    assert owner_of(d) == wanted and os.stat(str(d)).st_ino == inode
    assert (d / "inside").read_bytes() == b"left alone\n"


@pytest.mark.parametrize("kind", ["file", "symlink", "dangling-symlink", "fifo"])
def test_something_else_at_a_directory_path_fails(tmp_path, run_module, kind):
    path = tmp_path / "d"
    (tmp_path / "real").mkdir()
    if kind == "file":
        make_file(path, b"x")
    elif kind == "fifo":
        os.mkfifo(str(path))
    else:
        os.symlink(str(tmp_path / ("real" if kind == "symlink" else "nowhere")), str(path))
    before = state(tmp_path)
    result = run_module(file_bundle, dict(directories=[folder(tmp_path / "new"), folder(path)],
                                          files=[entry(tmp_path / "real" / "a.key")]))
    expected = ("%s is a symbolic link, not a directory" if "symlink" in kind else "%s exists and is not a directory")
    assert result["failed"] and expected % path in result["msg"], result
    assert state(tmp_path) == before and os.listdir(str(tmp_path / "real")) == []


def test_check_mode_counts_files_in_listed_missing_directories_as_missing(tmp_path, run_module):
    etc = tmp_path / "etc"
    args = dict(directories=[folder(etc), folder(etc / "pki", mode="0700")],
                files=[entry(etc / "pki" / "a.key"), entry(etc / "a.crt", CERT, mode="0644"),
                       entry(etc / "pki" / "old.key", state="absent", content_base64=None)])
    checked = run_module(file_bundle, args, check_mode=True, diff=True)
    assert not checked.get("failed"), checked
    assert os.listdir(str(tmp_path)) == [], "check mode writes nothing"
    assert checked["changed"] and checked["changed_directories"] == [str(etc), str(etc / "pki")]
    assert [f["changed_reasons"] for f in checked["files"]] == [["missing"], ["missing"], []]
    assert [d["before_header"] for d in checked["diff"]] == [
        str(etc), str(etc / "pki"), str(etc / "pki" / "a.key"), str(etc / "a.crt")]
    real = run_module(file_bundle, args, diff=True)
    for key in ("changed", "changed_files", "files", "changed_directories", "directories", "diff"):
        assert real[key] == checked[key], key
    assert not run_module(file_bundle, args, check_mode=True)["changed"]


def test_check_mode_still_fails_on_a_missing_directory_that_is_not_listed(tmp_path, run_module):
    args = dict(directories=[folder(tmp_path / "etc")], files=[entry(tmp_path / "other" / "a.key")])
    result = run_module(file_bundle, args, check_mode=True)
    assert result["failed"] and result["msg"] == "cannot write %s: the directory %s does not exist" % (
        tmp_path / "other" / "a.key", tmp_path / "other")


def test_the_diff_shows_directory_attributes(tmp_path, run_module):
    make_file(tmp_path / "a.key", KEY)
    (tmp_path / "same").mkdir()
    os.chmod(str(tmp_path / "same"), 0o755)
    (tmp_path / "wide").mkdir()
    os.chmod(str(tmp_path / "wide"), 0o777)
    result = run_module(file_bundle, dict(directories=[folder(tmp_path / "new", mode="0750"), folder(tmp_path / "same"),
                                                       folder(tmp_path / "wide")]), diff=True)
    attributes = "owner: %s\ngroup: %s\nmode: '%%s'\n" % (ME, MY_GROUP)
    assert result["diff"] == [
        dict(before_header=str(tmp_path / "new"), after_header=str(tmp_path / "new"), before="",
             after=attributes % "0750"),
        dict(before_header=str(tmp_path / "wide"), after_header=str(tmp_path / "wide"), before=attributes % "0777",
             after=attributes % "0755"),
    ]


# --- files to remove -------------------------------------------------------------------------------

def gone(dest):
    """An entry of the files option asking dest to be absent, as the action plugin sends it."""
    return dict(dest=str(dest), state="absent")


def test_absent_removes_a_file_and_a_symbolic_link_but_not_its_target(tmp_path, run_module):
    target = make_file(tmp_path / "target", b"elsewhere\n", 0o644)
    make_file(tmp_path / "old.key", KEY)
    os.symlink(str(target), str(tmp_path / "link"))
    os.symlink(str(tmp_path / "nowhere"), str(tmp_path / "dangling"))
    result = run_module(file_bundle, dict(files=[gone(tmp_path / "old.key"), gone(tmp_path / "link"),
                                                 gone(tmp_path / "dangling")]), diff=True)
    assert result["changed"] and result["changed_files"] == [str(tmp_path / n) for n in ("old.key", "link", "dangling")]
    assert result["files"] == [dict(dest=d, state="absent", changed=True, changed_reasons=["absent"])
                               for d in result["changed_files"]]
    assert sorted(os.listdir(str(tmp_path))) == ["target"] and target.read_bytes() == b"elsewhere\n"
    assert result["diff"][0] == dict(before_header=str(tmp_path / "old.key"), after_header=str(tmp_path / "old.key"),
                                     before="owner: %s\ngroup: %s\nmode: '0600'\ncontent: (current, not shown)\n"
                                            % (ME, MY_GROUP), after="")
    assert result["diff"][1]["before"] == "symbolic link\n" and result["diff"][1]["after"] == ""
    assert_no_content(result, KEY)


def test_absent_with_nothing_there_is_no_change(tmp_path, run_module, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nothing is written")

    monkeypatch.setattr(os, "unlink", refuse)
    result = run_module(file_bundle, dict(files=[gone(tmp_path / "a.key"), gone(tmp_path / "no-dir" / "a.key")]),
                        diff=True)
    assert result["changed"] is False and result["changed_files"] == [] and result["diff"] == []
    assert [f["changed_reasons"] for f in result["files"]] == [[], []]


@pytest.mark.parametrize("given", ["content", "content_base64", "src"])
def test_absent_with_a_content_is_refused(tmp_path, run_module, given):
    make_file(tmp_path / "a.key", KEY)
    before = state(tmp_path)
    absent = dict(gone(tmp_path / "a.key"), **{given: "x"})
    result = run_module(file_bundle, dict(directories=[folder(tmp_path / "new")],
                                          files=[entry(tmp_path / "b.key"), absent]))
    assert result["failed"] and result["msg"] == "%s of %s: a file with state=absent takes no content" % (
        given, tmp_path / "a.key")
    assert state(tmp_path) == before


@pytest.mark.parametrize("kind, what", [("dir", "a directory"), ("fifo", "neither a regular file nor a symbolic link")])
def test_absent_on_a_directory_fails(tmp_path, run_module, kind, what):
    if kind == "dir":
        (tmp_path / "x").mkdir()
    else:
        os.mkfifo(str(tmp_path / "x"))
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.key"), gone(tmp_path / "x")]))
    assert result["failed"] and result["msg"] == (
        "cannot remove %s: it is %s, and state=absent removes only files and symbolic links" % (tmp_path / "x", what))
    assert sorted(os.listdir(str(tmp_path))) == ["x"]


def test_files_are_removed_after_the_new_ones_are_in_place(tmp_path, run_module, monkeypatch):
    make_file(tmp_path / "old.key", b"old\n")
    events, real_replace, real_unlink = [], os.replace, os.unlink

    def replace(src, dst):
        events.append(("replace", os.path.basename(dst)))
        return real_replace(src, dst)

    def unlink(path):
        events.append(("unlink", os.path.basename(path)))
        return real_unlink(path)

    monkeypatch.setattr(bundle_apply.os, "replace", replace)
    monkeypatch.setattr(bundle_apply.os, "unlink", unlink)
    result = run_module(file_bundle, dict(files=[gone(tmp_path / "old.key"), entry(tmp_path / "new.key")]))
    assert result["changed_files"] == [str(tmp_path / "old.key"), str(tmp_path / "new.key")]
    assert events == [("replace", "new.key"), ("unlink", "old.key")]


# --- the whole bundle decided first ----------------------------------------------------------------

@pytest.mark.parametrize("last", [
    dict(owner="no-such-user-kthw"),
    dict(group="no-such-group-kthw"),
    dict(mode="u=rw"),
], ids=["owner", "group", "mode"])
def test_a_bad_last_file_leaves_the_new_directories_uncreated(tmp_path, run_module, last):
    make_file(tmp_path / "old.key", KEY)
    (tmp_path / "wide").mkdir()
    os.chmod(str(tmp_path / "wide"), 0o777)
    before = state(tmp_path)
    result = run_module(file_bundle, dict(
        directories=[folder(tmp_path / "new"), folder(tmp_path / "new" / "sub"), folder(tmp_path / "wide")],
        files=[entry(tmp_path / "new" / "a.key"), gone(tmp_path / "old.key"), entry(tmp_path / "new" / "b.key", **last)]))
    assert result["failed"] and str(tmp_path / "new" / "b.key") in result["msg"], result
    assert result["changed"] is False and result["changed_files"] == [] and result["changed_directories"] == []
    assert state(tmp_path) == before and mode_of(tmp_path / "wide") == 0o777


def test_a_bad_directory_owner_fails_before_anything_is_written(tmp_path, run_module):
    result = run_module(file_bundle, dict(directories=[folder(tmp_path / "a"), folder(tmp_path / "b", owner="no-such-user-kthw")],
                                          files=[entry(tmp_path / "a.key")]))
    assert result["failed"] and result["msg"] == "owner no-such-user-kthw of %s: no such user on this host" % (tmp_path / "b")
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("args, message", [
    (dict(), "nothing to do: give files, directories or both"),
    (dict(files=[], directories=[]), "nothing to do: give files, directories or both"),
    (dict(directories=[dict(path="{d}/a"), dict(path="{d}/a/")]), "directory path given more than once: {d}/a"),
    (dict(directories=[dict(path="{d}/a")], files=[dict(dest="{d}/a", state="absent")]),
     "given both as a directory path and as a file dest: {d}/a"),
    (dict(directories=[dict(path="a")]), "path 'a' must be an absolute path"),
])
def test_a_wrong_bundle_fails_before_anything_is_written(tmp_path, run_module, monkeypatch, args, message):
    monkeypatch.chdir(str(tmp_path))
    for key in args:
        for item in args[key]:
            for name in ("path", "dest"):
                if name in item:
                    item[name] = item[name].format(d=tmp_path)
    result = run_module(file_bundle, args)
    assert result["failed"] and result["msg"] == message.format(d=tmp_path), result
    assert os.listdir(str(tmp_path)) == []


def test_a_failure_while_making_directories_reports_what_was_made(tmp_path, run_module, monkeypatch):
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if path.endswith("/b"):
            raise OSError(28, "No space left on device")
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    result = run_module(file_bundle, dict(directories=[folder(tmp_path / "a"), folder(tmp_path / "b")],
                                          files=[entry(tmp_path / "a" / "x.key")]))
    assert result["failed"] and result["msg"] == "cannot create the directory %s: No space left on device" % (tmp_path / "b")
    assert result["changed"] is True and result["changed_directories"] == [str(tmp_path / "a")]
    assert result["changed_files"] == [] and os.listdir(str(tmp_path / "a")) == []


def test_a_directory_made_but_not_finished_is_reported_changed(tmp_path, run_module, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchmod", fail)
    result = run_module(file_bundle, dict(directories=[folder(tmp_path / "a", mode="0750")]))
    assert result["failed"] and result["msg"] == "cannot create the directory %s: Operation not permitted" % (tmp_path / "a")
    assert result["changed"] is True and result["changed_directories"] == [str(tmp_path / "a")]
    assert mode_of(tmp_path / "a") & 0o077 == 0, "left no wider than 0700"


# --- documentation --------------------------------------------------------------------------------

def test_the_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(file_bundle.DOCUMENTATION)
    assert doc["module"] == "file_bundle" and doc["version_added"] == "0.1.0"
    assert sorted(doc["options"]) == sorted(spec.ARGUMENT_SPEC) == ["directories", "files"]
    for top in ("directories", "files"):
        top_doc, top_spec = doc["options"][top], spec.ARGUMENT_SPEC[top]
        assert (top_doc["type"], top_doc["elements"], top_doc["default"]) == ("list", "dict", []) == (
            top_spec["type"], top_spec["elements"], top_spec["default"])
        assert not top_doc.get("required") and not top_spec.get("required")
        assert sorted(top_doc["suboptions"]) == sorted(top_spec["options"])
        for name, option in top_spec["options"].items():
            documented = top_doc["suboptions"][name]
            assert documented["type"] == option["type"], name
            assert documented.get("default") == option.get("default"), name
            assert documented.get("choices") == option.get("choices"), name
            assert bool(documented.get("required")) == bool(option.get("required")), name
    files_spec = spec.ARGUMENT_SPEC["files"]
    assert files_spec["options"]["content"]["no_log"] and files_spec["options"]["content_base64"]["no_log"]
    returned = yaml.safe_load(file_bundle.RETURN)
    assert sorted(returned) == ["changed_directories", "changed_files", "directories", "files", "marked"]
    assert sorted(returned["files"]["contains"]) == ["changed", "changed_reasons", "dest", "state"]
    assert sorted(returned["directories"]["contains"]) == ["changed", "changed_reasons", "path"]
    for key, reasons in (("files", plan.REASONS), ("directories", plan.DIRECTORY_REASONS)):
        described = " ".join(returned[key]["contains"]["changed_reasons"]["description"])
        for reason in reasons:
            assert "V(%s)" % reason in described, (key, reason)
    assert yaml.safe_load(file_bundle.EXAMPLES)


@pytest.mark.usefixtures("needs_root")
def test_parents_are_made_as_mkdir_p_makes_them_and_existing_ones_left_alone(tmp_path, run_module):
    os.chmod(str(tmp_path), 0o711)
    deep = tmp_path / "var" / "log" / "kubernetes" / "audit"
    wanted = dict(directories=[dict(path=str(deep), mode="0700", parents=True)])
    check = run_module(file_bundle, wanted, check_mode=True)
    assert check["changed_directories"] == [str(deep)] and not (tmp_path / "var").exists()
    old = os.umask(0o022)
    try:
        result = run_module(file_bundle, wanted)
    finally:
        os.umask(old)
    assert result["changed_directories"] == [str(deep)], result
    assert owner_of(deep) == (0o700, 0, 0)
    assert owner_of(tmp_path / "var" / "log" / "kubernetes") == (0o755, 0, 0)
    assert owner_of(tmp_path) == (0o711, 0, 0)
    assert run_module(file_bundle, wanted)["changed"] is False


def test_without_parents_a_missing_parent_fails_and_says_how(tmp_path, run_module):
    result = run_module(file_bundle, dict(directories=[dict(path=str(tmp_path / "a" / "b"))]))
    assert result["failed"] and "parents=true" in result["msg"] and not (tmp_path / "a").exists()


def test_parents_cannot_be_made_under_a_file(tmp_path, run_module):
    (tmp_path / "a").write_bytes(b"")
    result = run_module(file_bundle, dict(directories=[dict(path=str(tmp_path / "a" / "b" / "c"), parents=True)]))
    assert result["failed"] and "is not a directory" in result["msg"]


# --- marks: the debt a new content brings, recorded before the content changes -------------------

def test_a_changed_content_leaves_its_marks_before_the_swap(tmp_path, run_module, monkeypatch):
    marks = tmp_path / "owed"
    make_file(tmp_path / "a.crt", b"old")
    make_file(tmp_path / "same.crt", CERT)
    seen_at_swap, real_replace = [], os.replace

    def spy_replace(source, target):
        seen_at_swap.append(sorted(os.listdir(str(marks))))
        return real_replace(source, target)

    monkeypatch.setattr(bundle_apply.os, "replace", spy_replace)
    result = run_module(file_bundle, dict(files=[
        entry(tmp_path / "a.crt", CERT, marks=[str(marks / "kube-apiserver"), str(marks / "etcd")]),
        entry(tmp_path / "same.crt", CERT, marks=[str(marks / "kube-scheduler")]),
        entry(tmp_path / "b.crt", CERT, mode="0644"),
    ]))
    assert result["marked"] == [str(marks / "etcd"), str(marks / "kube-apiserver")]
    # Both marks stood before the first file was replaced; an unchanged file marks nothing.
    assert seen_at_swap and seen_at_swap[0] == ["etcd", "kube-apiserver"]
    assert sorted(os.listdir(str(marks))) == ["etcd", "kube-apiserver"]
    assert mode_of(marks) == 0o700 and mode_of(marks / "etcd") == 0o600


def test_marks_stay_until_removed_and_check_mode_writes_none(tmp_path, run_module):
    marks = tmp_path / "owed"
    wanted = [entry(tmp_path / "a.crt", CERT, marks=[str(marks / "etcd")])]
    assert run_module(file_bundle, dict(files=wanted), check_mode=True)["marked"] == [str(marks / "etcd")]
    assert not marks.exists()
    run_module(file_bundle, dict(files=wanted))
    again = run_module(file_bundle, dict(files=wanted))
    assert again["marked"] == [] and not again["changed"]
    assert (marks / "etcd").exists(), "only whoever pays the debt removes the mark"


def test_a_mode_change_alone_marks_nothing(tmp_path, run_module):
    make_file(tmp_path / "a.crt", CERT, mode=0o644)
    result = run_module(file_bundle, dict(files=[entry(tmp_path / "a.crt", CERT, marks=[str(tmp_path / "m")])]))
    assert result["changed"] and result["marked"] == [] and not (tmp_path / "m").exists()
