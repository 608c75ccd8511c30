"""The file side: key modes, atomic private writes, check mode, clear errors."""

import json
import os
import stat

import pytest
from ansible.module_utils import basic

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import (
    FILE_ARGUMENT_SPEC, PkiFiles, check_key_mode)


@pytest.fixture
def make_files(monkeypatch):
    """A PkiFiles over a real AnsibleModule."""
    def make(check_mode=False, **params):
        args = dict(params, _ansible_check_mode=check_mode)
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps(dict(ANSIBLE_MODULE_ARGS=args)).encode())
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
        module = basic.AnsibleModule(argument_spec=dict(FILE_ARGUMENT_SPEC), supports_check_mode=True)
        return PkiFiles.from_params(module)
    return make


@pytest.mark.parametrize("mode, value", [
    ("0600", 0o600), ("600", 0o600), ("0400", 0o400), ("0o600", 0o600), (0o600, 0o600), (0o400, 0o400), ("0000", 0)])
def test_owner_only_key_modes_are_accepted(mode, value):
    assert check_key_mode(mode) == value


@pytest.mark.parametrize("mode, message", [
    ("0640", "key_mode 0640 would give more than owner read and write"),
    ("0644", "key_mode 0644"),
    ("0700", "key_mode 0700"),
    ("4600", "key_mode 4600"),
    (0o604, "key_mode 0604"),
    ("u=rw", "give an octal mode such as '0600'"),
])
def test_wider_or_symbolic_key_modes_are_refused(mode, message):
    with pytest.raises(PkiError, match=message):
        check_key_mode(mode)


def test_private_write_is_0600_from_the_first_byte_even_with_umask_000(make_files, tmp_path, monkeypatch):
    files = make_files()
    opened, real_open = [], os.open

    def spy_open(path, flags, mode=0o777, *args, **kwargs):
        opened.append((path, flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_open)
    target = tmp_path / "a.key"
    old = os.umask(0)
    try:
        files.write(str(target), b"secret", private=True)
    finally:
        os.umask(old)
    temp_opens = [o for o in opened if os.path.basename(o[0]).startswith(".a.key.")]
    assert len(temp_opens) == 1
    _path, flags, mode = temp_opens[0]
    assert flags & os.O_CREAT and flags & os.O_EXCL, "the temporary file is new, never an existing one"
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_bytes() == b"secret"
    assert os.listdir(tmp_path) == ["a.key"], "no temporary file is left behind"


def test_a_new_key_never_takes_the_mode_of_the_file_it_replaces(make_files, tmp_path):
    target = tmp_path / "a.key"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    make_files().write(str(target), b"new", private=True)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_bytes() == b"new"


def test_settle_applies_modes_and_reports_it(make_files, tmp_path):
    cert, key = tmp_path / "a.crt", tmp_path / "a.key"
    cert.write_bytes(b"c")
    key.write_bytes(b"k")
    os.chmod(cert, 0o600)
    os.chmod(key, 0o600)
    files = make_files(mode="0640", key_mode="0400")
    assert files.settle(str(cert), False, False) is True
    assert files.settle(str(key), True, False) is True
    assert stat.S_IMODE(os.stat(cert).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o400
    assert files.settle(str(cert), False, False) is False
    assert files.settle(str(tmp_path / "absent"), False, False) is False


def test_check_mode_writes_nothing_but_sees_attribute_changes(make_files, tmp_path):
    files = make_files(check_mode=True)
    files.write(str(tmp_path / "a.key"), b"secret", private=True)
    assert os.listdir(tmp_path) == []
    cert = tmp_path / "a.crt"
    cert.write_bytes(b"c")
    os.chmod(cert, 0o600)
    assert files.settle(str(cert), False, False) is True
    assert stat.S_IMODE(os.stat(cert).st_mode) == 0o600


def test_read_tells_missing_from_unreadable(make_files, tmp_path):
    files = make_files()
    assert files.read(str(tmp_path / "absent")) is None
    with pytest.raises(PkiError, match="cannot read %s" % tmp_path):
        files.read(str(tmp_path))


def test_write_into_a_missing_directory_says_so(make_files, tmp_path):
    with pytest.raises(PkiError, match="the directory %s does not exist" % (tmp_path / "nope")):
        make_files().write(str(tmp_path / "nope" / "a.crt"), b"c", private=False)


def test_a_failed_move_leaves_no_temporary_file(make_files, tmp_path, monkeypatch):
    files = make_files()

    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.module, "atomic_move", refuse)
    with pytest.raises(PkiError, match="cannot write .*a.key: disk full"):
        files.write(str(tmp_path / "a.key"), b"secret", private=True)
    assert os.listdir(tmp_path) == []
