"""Shared by the unit tests: makes this checkout importable as
ansible_collections.kthw.control_plane, and runs modules in-process."""

import atexit
import json
import os
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
_LAYOUT = ("ansible_collections", "kthw", "control_plane")


def _collection_search_path():
    """A directory under which ansible_collections/kthw/control_plane is this checkout.

    Under ansible-test (or any checkout already laid out that way) it is the checkout's own
    ancestor. Otherwise it is a private temporary directory holding a symlink to the
    checkout, made afresh for each run, so that two checkouts never share it.
    """
    parts = ROOT.split(os.sep)
    if tuple(parts[-3:]) == _LAYOUT:
        return os.sep.join(parts[:-3]) or os.sep
    base = tempfile.mkdtemp(prefix="kthw-unit-")
    atexit.register(shutil.rmtree, base, True)  # removes the link, never what it points to
    os.makedirs(os.path.join(base, *_LAYOUT[:2]))
    os.symlink(ROOT, os.path.join(base, *_LAYOUT))
    return base


def _expose_collection():
    try:
        import ansible_collections.kthw.control_plane as existing
    except ImportError:
        existing = None
    if existing is not None and os.path.realpath(list(existing.__path__)[0]) == ROOT:
        return
    for name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        del sys.modules[name]
    sys.path.insert(0, _collection_search_path())


_expose_collection()


@pytest.fixture
def run_module(capsys, monkeypatch):
    """Runs a module's main() with args as the controller would send them.

    Returns the JSON result printed by exit_json or fail_json (failed=True then), with
    "warnings" replaced by the plain messages the module warned with: where they end up
    otherwise depends on the ansible-core version and on what else the process imported.
    """
    from ansible.module_utils import basic

    def run(module, args, check_mode=False, diff=False):
        payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps(dict(ANSIBLE_MODULE_ARGS=payload)).encode())
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
        warnings = []
        monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning, *a, **kw: warnings.append(warning))
        capsys.readouterr()
        with pytest.raises(SystemExit):
            module.main()
        result = json.loads(capsys.readouterr().out)
        result["warnings"] = warnings
        return result
    return run


@pytest.fixture
def needs_root():
    """Giving a file to another user needs root; `make test` runs as root, so a
    run without it is a broken set-up to report, not a test to skip."""
    if os.geteuid() != 0:
        pytest.fail("this test gives files to other users: run the unit tests as root (make unit)")
