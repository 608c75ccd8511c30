# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kthw.control_plane.plugins.test.ip_address import ip_address
from ansible_collections.kthw.control_plane.plugins.test.ip_network import ip_network


@pytest.mark.parametrize("value, expected", [
    ("172.31.250.11", True),
    ("fd00::1", True),
    ("10.0.0.256", False),
    ("10.0.0.0/24", False),
    ("cp1", False),
    ("", False),
    (None, False),
])
def test_ip_address(value, expected):
    assert ip_address(value) is expected


@pytest.mark.parametrize("value, expected", [
    ("10.32.0.0/24", True),
    ("fd00:10:96::/112", True),
    ("10.32.0.1/24", False),
    ("10.32.0.0", False),
    ("10.32.0.0/33", False),
    (42, False),
])
def test_ip_network(value, expected):
    assert ip_network(value) is expected
