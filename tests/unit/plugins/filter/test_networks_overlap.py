# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.networks_overlap import networks_overlap
from ansible_collections.kthw.control_plane.plugins.test.in_network import in_network


@pytest.mark.parametrize("first, second, expected", [
    ("10.32.0.0/24", "10.200.0.0/16", False),
    ("10.32.0.0/16", "10.32.5.0/24", True),
    ("10.32.0.0/24", "10.32.0.0/24", True),
    ("10.32.0.0/24", "fd00::/64", False),
])
def test_networks_overlap(first, second, expected):
    assert networks_overlap(first, second) is expected


def test_networks_overlap_refuses_garbage():
    with pytest.raises(AnsibleFilterError):
        networks_overlap("10.32.0.0/24", "nope")


@pytest.mark.parametrize("address, network, expected", [
    ("10.32.0.1", "10.32.0.0/24", True),
    ("172.31.250.11", "10.32.0.0/24", False),
    ("cp1", "10.32.0.0/24", False),
])
def test_in_network(address, network, expected):
    assert in_network(address, network) is expected
