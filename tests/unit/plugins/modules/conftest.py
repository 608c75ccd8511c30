"""Helpers for the PKI module tests: a CA on disk, argument sets, and a scan for secrets."""

import os
import shutil
import stat
import subprocess
import types

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import x509_ca


def ca_args(d, **changes):
    args = dict(path=str(d / "ca.crt"), key_path=str(d / "ca.key"), common_name="unit-ca")
    args.update(changes)
    return args


def leaf_args(d, **changes):
    args = dict(path=str(d / "leaf.crt"), key_path=str(d / "leaf.key"), ca_path=str(d / "ca.crt"),
                ca_key_path=str(d / "ca.key"), common_name="cp1", dns_names=["cp1", "localhost"],
                ip_addresses=["127.0.0.1"], usage="both")
    args.update(changes)
    return args


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def snapshot(d):
    """Every file of d with its content, to prove nothing was written."""
    return dict((name, (d / name).read_bytes()) for name in sorted(os.listdir(str(d))))


def assert_no_key_material(outputs, *directories):
    """No output holds a PEM marker or any line of the body of any key in the directories."""
    text = repr(outputs)
    assert "PRIVATE KEY" not in text and "-----BEGIN" not in text
    bodies = 0
    for directory in directories:
        for name in os.listdir(str(directory)):
            if name.endswith(".key"):
                for line in (directory / name).read_text().splitlines():
                    if line and not line.startswith("-----"):
                        bodies += 1
                        assert line not in text, "a line of %s appears in a result" % name
    assert bodies, "the scan found no key to look for"


@pytest.fixture
def pki(tmp_path, run_module):
    """A directory holding a fresh CA (ca.crt, ca.key)."""
    d = tmp_path / "pki"
    d.mkdir()
    result = run_module(x509_ca, ca_args(d))
    assert result["changed"] and not result.get("failed"), result
    return d


@pytest.fixture
def openssl():
    """Runs openssl, the independent cross-check; fails loudly where it is not installed."""
    binary = shutil.which("openssl")
    if not binary:
        pytest.fail("openssl is not installed: install Debian's openssl package for the cross-check")

    def run(*args):
        return subprocess.run([binary] + [str(a) for a in args], capture_output=True, text=True, check=False)
    return run


@pytest.fixture
def tools():
    """The helpers above, for the tests (conftest modules are not imported by name)."""
    return types.SimpleNamespace(ca_args=ca_args, leaf_args=leaf_args, mode_of=mode_of, snapshot=snapshot,
                                 assert_no_key_material=assert_no_key_material)


@pytest.fixture
def file_births(monkeypatch):
    """Spies, under umask 000, on every file the module creates (name, flags, mode and size
    right after the open) and on every rename into place (name, mode of the source): proof
    that a file is private from its first byte and still when it takes its name."""
    births = types.SimpleNamespace(created=[], moved=[])
    real_open, real_replace = os.open, os.replace

    def spy_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if flags & os.O_CREAT:
            st = os.fstat(fd)
            births.created.append((os.path.basename(path), flags, stat.S_IMODE(st.st_mode), st.st_size))
        return fd

    def spy_replace(src, dst):
        births.moved.append((os.path.basename(dst), stat.S_IMODE(os.stat(src).st_mode)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "replace", spy_replace)
    old = os.umask(0)
    try:
        yield births
    finally:
        os.umask(old)
