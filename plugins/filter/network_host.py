# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on networks, on the standard library alone (no netaddr)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: network_host
short_description: The address at a position inside a network
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Returns the address at O(index) inside a network given in CIDR notation.
  - Index 1 of C(10.32.0.0/24) is C(10.32.0.1), the apiserver's service IP.
options:
  _input:
    description: A network in CIDR notation.
    type: str
    required: true
  index:
    description: Position of the address, 0 being the network address itself.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: The kubernetes service IP
  ansible.builtin.debug:
    msg: "{{ '10.32.0.0/24' | kthw.control_plane.network_host(1) }}"
"""

RETURN = r"""
_value:
  description: The address.
  type: str
"""


def network_host(cidr, index):
    try:
        network = ipaddress.ip_network(str(cidr), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError("network_host: %s is not a network in CIDR notation: %s" % (cidr, exc))
    index = int(index)
    if not 0 <= index < network.num_addresses:
        raise AnsibleFilterError("network_host: %s has no address at position %d" % (cidr, index))
    return str(network[index])


class FilterModule(object):
    def filters(self):
        return {"network_host": network_host}
