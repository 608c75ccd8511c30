"""encryption_key: a random key written once, 0600 from its first byte, never regenerated or
rewritten, never in a result; check mode writes nothing."""

import base64
import os

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import encryption_key


def key_args(d, **changes):
    args = dict(path=str(d / "encryption-key-secretbox"))
    args.update(changes)
    return args


def key_of(d):
    return (d / "encryption-key-secretbox").read_bytes()


def assert_key_not_in(outputs, data):
    """Neither the file's text nor the decoded key, in any form a result could carry it."""
    text = repr(outputs)
    encoded = data.strip().decode()
    raw = base64.b64decode(encoded)
    for form in (encoded, encoded[:16], encoded[-16:], repr(raw)[2:-1], raw.hex(), str(list(raw))[1:-1]):
        assert form not in text, "the key appears in a result"


@pytest.fixture
def created(tmp_path, run_module):
    result = run_module(encryption_key, key_args(tmp_path))
    assert result["changed"] and not result.get("failed"), result
    return tmp_path, result


@pytest.mark.parametrize("size", [32, 16, 64])
def test_a_new_key_is_random_base64_of_its_size(tmp_path, run_module, tools, size):
    result = run_module(encryption_key, key_args(tmp_path, size=size))
    data = key_of(tmp_path)
    assert result["changed"] and result["path"] == str(tmp_path / "encryption-key-secretbox")
    assert data.endswith(b"\n") and len(base64.b64decode(data.strip(), validate=True)) == size
    assert tools.mode_of(tmp_path / "encryption-key-secretbox") == 0o600
    assert os.listdir(str(tmp_path)) == ["encryption-key-secretbox"], "no temporary file is left behind"
    other = tmp_path / "other"
    other.mkdir()
    run_module(encryption_key, key_args(other, size=size))
    assert key_of(other) != data, "two keys are never the same"


def test_a_second_run_changes_nothing_and_keeps_the_same_key(created, run_module):
    d, first = created
    path = d / "encryption-key-secretbox"
    before = (key_of(d), os.stat(str(path)).st_ino, os.stat(str(path)).st_mtime_ns)
    for args in (key_args(d), key_args(d, size=32)):
        again = run_module(encryption_key, args)
        assert (again["changed"], again["path"], again.get("failed")) == (False, first["path"], None)
    assert (key_of(d), os.stat(str(path)).st_ino, os.stat(str(path)).st_mtime_ns) == before, "not even rewritten"


def test_the_key_is_0600_from_its_first_byte_even_with_umask_000(tmp_path, run_module, file_births):
    result = run_module(encryption_key, key_args(tmp_path))
    created, moved = file_births.created, file_births.moved
    assert result["changed"]
    assert len(created) == 1, created
    name, flags, mode, size = created[0]
    assert name.startswith(".kthw-private.") and flags & os.O_EXCL, "a new temporary file, never the key itself"
    assert (mode, size) == (0o600, 0), "0600 before its first byte"
    assert moved == [("encryption-key-secretbox", 0o600)], "0600 when it takes the key's name"


def test_check_mode_writes_nothing_and_decides_the_same(tmp_path, run_module):
    checked = run_module(encryption_key, key_args(tmp_path), check_mode=True, diff=True)
    assert checked["changed"] and os.listdir(str(tmp_path)) == []
    run_module(encryption_key, key_args(tmp_path))
    data = key_of(tmp_path)
    checked = run_module(encryption_key, key_args(tmp_path), check_mode=True, diff=True)
    assert not checked["changed"] and key_of(tmp_path) == data


def test_the_key_never_appears_in_a_result(tmp_path, run_module):
    outputs = [run_module(encryption_key, key_args(tmp_path), diff=True)]
    data = key_of(tmp_path)
    outputs.append(run_module(encryption_key, key_args(tmp_path), diff=True))
    outputs.append(run_module(encryption_key, key_args(tmp_path), check_mode=True, diff=True))
    outputs.append(run_module(encryption_key, key_args(tmp_path, size=16)))
    assert outputs[-1]["failed"]
    for result in outputs:
        # What AnsibleModule adds about any path: the file's attributes, never its content.
        assert set(result) <= {"changed", "path", "failed", "msg", "invocation", "warnings", "mode", "uid", "gid",
                               "owner", "group", "size", "state", "secontext"}, sorted(result)
        assert "diff" not in result
    assert_key_not_in(outputs, data)


@pytest.mark.parametrize("content, message", [
    (b"not base64 at all!\n", "{p} is not base64: restore the key from a backup; it is never regenerated"),
    (base64.b64encode(b"x" * 16) + b"\n",
     "{p} holds a 16-byte key, 32 expected: restore it from a backup; it is never regenerated"),
    (b"", "{p} holds a 0-byte key, 32 expected: restore it from a backup; it is never regenerated"),
])
def test_a_damaged_key_fails_and_is_never_replaced(tmp_path, run_module, content, message):
    path = tmp_path / "encryption-key-secretbox"
    path.write_bytes(content)
    os.chmod(str(path), 0o600)
    for check_mode in (True, False):
        result = run_module(encryption_key, key_args(tmp_path), check_mode=check_mode)
        assert result["failed"] and result["msg"] == message.format(p=path)
    assert key_of(tmp_path) == content and os.listdir(str(tmp_path)) == ["encryption-key-secretbox"]


def test_a_key_readable_by_others_fails_and_is_left_as_it_is(created, run_module, tools):
    d, _result = created
    path = d / "encryption-key-secretbox"
    data = key_of(d)
    os.chmod(str(path), 0o644)
    result = run_module(encryption_key, key_args(d))
    assert result["failed"] and result["msg"] == (
        "%s is readable by others: chmod 0600 it (the key may be exposed)" % path)
    assert key_of(d) == data and tools.mode_of(path) == 0o644
    assert_key_not_in([result], data)
