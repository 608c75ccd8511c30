# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kthw.control_plane.plugins.test.path_contains import path_contains


@pytest.mark.parametrize("folder, path, expected", [
    ("/site/inventories/ha", "/site/inventories/ha/pki", True),
    ("/site/inventories/ha", "/site/inventories/ha", True),
    ("/site/inventories/ha/", "/site/inventories/ha/pki/ca", True),
    ("/site/inventories", "/site/inventories/ha/pki", True),
    ("/site/inventories/ha", "/site/inventories/ha-pki", False),
    ("/site/inventories/ha", "/site/inventories/h", False),
    ("/", "/anything", True),
    ("/site/inventories/ha/hosts.yml", "/site/inventories/ha/pki", False),
])
def test_path_contains(folder, path, expected):
    assert path_contains(folder, path) is expected
