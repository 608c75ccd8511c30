# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja test: is an address inside a network (standard library only)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

DOCUMENTATION = r"""
name: in_network
short_description: Whether an address is inside a network
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - True when the value is an IP address inside the network given in CIDR notation.
  - False for anything that is not an address.
options:
  _input:
    description: The address to test.
    type: raw
    required: true
  network:
    description: A network in CIDR notation.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: A node address must not be a service IP
  ansible.builtin.assert:
    that: cluster_node_address is not kthw.control_plane.in_network(cluster_service_cidr)
"""

RETURN = r"""
_value:
  description: Whether the address is inside the network.
  type: bool
"""


def in_network(value, network):
    try:
        return ipaddress.ip_address(str(value)) in ipaddress.ip_network(str(network), strict=False)
    except ValueError:
        return False


class TestModule(object):
    def tests(self):
        return {"in_network": in_network}
