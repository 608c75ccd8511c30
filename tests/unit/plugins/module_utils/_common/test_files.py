"""write_private: 0600 from the first byte, atomic, and (for file_bundle) owner and mode set
on the temporary file before the rename, never after."""

import os
import stat

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import make_dirs, write_private


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@pytest.fixture
def renames(monkeypatch):
    """What each temporary file looks like at the moment it is renamed into place."""
    seen, real_replace = [], os.replace

    def spy(src, dst):
        st = os.stat(src)
        seen.append(dict(name=os.path.basename(src), mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                         data=open(src, "rb").read()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    return seen


def test_the_original_call_writes_0600_even_with_umask_000(tmp_path, renames):
    old = os.umask(0)
    try:
        write_private(str(tmp_path / "a.key"), b"secret")
    finally:
        os.umask(old)
    assert (tmp_path / "a.key").read_bytes() == b"secret" and mode_of(tmp_path / "a.key") == 0o600
    assert renames[0]["name"].startswith(".kthw-private.") and renames[0]["mode"] == 0o600
    assert os.listdir(str(tmp_path)) == ["a.key"]


def test_an_existing_file_is_replaced_and_never_keeps_its_mode(tmp_path):
    target = tmp_path / "a.key"
    target.write_bytes(b"old")
    os.chmod(str(target), 0o644)
    write_private(str(target), b"new")
    assert target.read_bytes() == b"new" and mode_of(target) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o400, 0o640, 0o600])
def test_the_mode_is_set_before_the_rename(tmp_path, renames, mode):
    write_private(str(tmp_path / "a"), b"data", mode=mode)
    assert renames[0]["mode"] == mode and renames[0]["data"] == b"data"
    assert mode_of(tmp_path / "a") == mode


@pytest.mark.usefixtures("needs_root")
def test_owner_and_group_are_set_before_the_rename(tmp_path, renames):
    write_private(str(tmp_path / "a"), b"data", uid=4242, gid=4343, mode=0o2640)
    assert (renames[0]["uid"], renames[0]["gid"], renames[0]["mode"]) == (4242, 4343, 0o2640)
    st = os.stat(str(tmp_path / "a"))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4242, 4343, 0o2640), "chown did not drop setgid"


def test_a_failure_leaves_no_temporary_file_and_the_old_file_alone(tmp_path, monkeypatch):
    target = tmp_path / "a.key"
    target.write_bytes(b"old")

    def refuse(*args):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refuse)
    with pytest.raises(OSError):
        write_private(str(target), b"new", uid=4242)
    assert os.listdir(str(tmp_path)) == ["a.key"] and target.read_bytes() == b"old"


@pytest.mark.parametrize("prefix", [".kthw-private.", ".a.key.", ".x-"])
def test_the_temporary_file_carries_the_prefix_asked_for(tmp_path, renames, prefix):
    write_private(str(tmp_path / "a.key"), b"secret", prefix=prefix)
    assert renames[0]["name"].startswith(prefix) and renames[0]["mode"] == 0o600
    assert os.listdir(str(tmp_path)) == ["a.key"]


def test_a_callers_move_gets_the_staged_file_and_its_destination(tmp_path):
    seen = []

    def move(src, dst):
        seen.append((os.path.dirname(src), os.path.basename(src), dst, mode_of(src), open(src, "rb").read()))
        os.rename(src, dst)

    old = os.umask(0)
    try:
        write_private(str(tmp_path / "a.key"), b"secret", move=move)
    finally:
        os.umask(old)
    assert seen == [(str(tmp_path), seen[0][1], str(tmp_path / "a.key"), 0o600, b"secret")]
    assert seen[0][1].startswith(".kthw-private.") and mode_of(tmp_path / "a.key") == 0o600


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), SystemExit(1)])
def test_a_failed_move_leaves_no_temporary_file_and_the_old_file_alone(tmp_path, failure):
    target = tmp_path / "a.key"
    target.write_bytes(b"old")

    def move(src, dst):
        raise failure

    with pytest.raises(type(failure)):
        write_private(str(target), b"new", move=move)
    assert os.listdir(str(tmp_path)) == ["a.key"] and target.read_bytes() == b"old"


@pytest.mark.parametrize("missing, mode", [(["a"], 0o700), (["a", "b", "c"], 0o755), ([], 0o700)])
def test_make_dirs_gives_every_missing_folder_exactly_its_mode(tmp_path, missing, mode):
    path = os.path.join(str(tmp_path), *missing) if missing else str(tmp_path)
    old = os.umask(0o077)
    try:
        assert make_dirs(path, mode) is bool(missing)
    finally:
        os.umask(old)
    for depth in range(1, len(missing) + 1):
        assert mode_of(os.path.join(str(tmp_path), *missing[:depth])) == mode
