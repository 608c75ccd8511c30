"""Makes this checkout importable as ansible_collections.kthw.control_plane and
runs modules in-process."""

import json
import os
import sys
import tempfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _expose_collection():
    base = os.path.join(tempfile.gettempdir(), "kthw-unit-%d" % os.getuid())
    link = os.path.join(base, "ansible_collections", "kthw", "control_plane")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not (os.path.islink(link) and os.readlink(link) == ROOT):
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(ROOT, link)
    if base not in sys.path:
        sys.path.insert(0, base)


_expose_collection()


@pytest.fixture
def run_module(capsys):
    """Runs a module's main() with arguments; returns its JSON result (exit or fail)."""
    from ansible.module_utils.testing import patch_module_args

    def run(module, args, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)
    return run
