# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the interface holding each host's cluster address (standard library only)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

DOCUMENTATION = r"""
name: address_interfaces
short_description: The interface holding each host's cluster address
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - For each host, the network interface whose IPv4 address is the host's C(cluster_node_address),
    from its gathered facts, as C(device), C(address), C(prefix) and C(network) (CIDR notation).
  - An empty dictionary for a host with no such interface.
options:
  _input:
    description: The hostvars.
    type: dict
    required: true
  hosts:
    description: The hosts to look at.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Where the shared address goes on this host
  ansible.builtin.debug:
    msg: "{{ (hostvars | kthw.control_plane.address_interfaces([inventory_hostname]))[inventory_hostname].device }}"
"""

RETURN = r"""
_value:
  description: Host name to interface (device, address, prefix, network), or to an empty dictionary.
  type: dict
"""


def _interface(facts, address):
    for name in facts.get("interfaces") or []:
        device = facts.get(name.replace("-", "_")) or {}
        for ipv4 in [device.get("ipv4") or {}] + list(device.get("ipv4_secondaries") or []):
            if ipv4.get("address") == address and ipv4.get("netmask"):
                network = ipaddress.ip_network("%s/%s" % (address, ipv4["netmask"]), strict=False)
                return {"device": device.get("device", name), "address": address,
                        "prefix": network.prefixlen, "network": str(network)}
    return {}


def address_interfaces(hostvars, hosts):
    found = {}
    for host in hosts:
        variables = hostvars[host]
        found[host] = _interface(variables.get("ansible_facts") or {}, variables.get("cluster_node_address"))
    return found


class FilterModule(object):
    def filters(self):
        return {"address_interfaces": address_interfaces}
