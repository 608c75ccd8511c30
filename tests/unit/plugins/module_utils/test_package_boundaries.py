# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private module_utils packages never import each other; what they share lives in _common,
which imports none of them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os

import pytest

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
PREFIX = "ansible_collections.kthw.control_plane.plugins.module_utils."
SHARED = "_common"


def packages():
    return sorted(name for name in os.listdir(MODULE_UTILS)
                  if name.startswith("_") and os.path.isfile(os.path.join(MODULE_UTILS, name, "__init__.py")))


def imported_packages(package):
    """(file, package) for every collection module_utils package the files of package import."""
    found = []
    folder = os.path.join(MODULE_UTILS, package)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(folder, name)) as handle:
            tree = ast.parse(handle.read(), name)
        for node in ast.walk(tree):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found.extend((name, module[len(PREFIX):].split(".")[0]) for module in modules if module.startswith(PREFIX))
    return found


def test_the_packages_are_found():
    assert set([SHARED, "_files", "_pki", "_release"]) <= set(packages())


@pytest.mark.parametrize("package", packages())
def test_a_package_imports_only_itself_and_the_shared_package(package):
    allowed = (SHARED,) if package == SHARED else (package, SHARED)
    strays = ["%s imports %s" % (name, other) for name, other in imported_packages(package) if other not in allowed]
    assert strays == []
