# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.network_host import network_host


@pytest.mark.parametrize("cidr, index, expected", [
    ("10.32.0.0/24", 1, "10.32.0.1"),
    ("10.96.0.0/12", 10, "10.96.0.10"),
    ("fd00:10:96::/112", 1, "fd00:10:96::1"),
])
def test_address_at_index(cidr, index, expected):
    assert network_host(cidr, index) == expected


@pytest.mark.parametrize("cidr, index, message", [
    ("10.32.0.1/24", 1, "not a network"),
    ("not-a-cidr", 1, "not a network"),
    ("10.32.0.0/30", 4, "no address at position 4"),
])
def test_bad_input_says_what_is_wrong(cidr, index, message):
    with pytest.raises(AnsibleFilterError, match=message):
        network_host(cidr, index)
