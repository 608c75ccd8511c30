# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: why the lb hosts cannot share the endpoint address (standard library only)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.kthw.control_plane.plugins.module_utils._common.words import series

DOCUMENTATION = r"""
name: shared_address_refusals
short_description: Why the lb hosts cannot share the endpoint address
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - One sentence for each reason the lb hosts cannot share O(address) with VRRP - it is not set, not
    an IP address, a host's own address, or outside the network of a host's cluster interface.
  - An empty list when they can.
options:
  _input:
    description: Each lb host's cluster interface, as P(kthw.control_plane.address_interfaces#filter) returns them.
    type: dict
    required: true
  address:
    description: The endpoint address they would share (C(cluster_api_endpoint_ip)); empty when unset.
    type: str
    required: true
  taken:
    description: Every cluster host's own address, by host name.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the lb hosts can share the endpoint address
  ansible.builtin.assert:
    that: __refusals | length == 0
    fail_msg: "{{ __refusals | join(' ') }}"
  vars:
    __refusals: >-
      {{ hostvars | kthw.control_plane.address_interfaces(groups['lb'])
         | kthw.control_plane.shared_address_refusals(cluster_api_endpoint_ip | default(''), {}) }}
"""

RETURN = r"""
_value:
  description: The reasons, each a sentence that says what to fix.
  type: list
  elements: str
"""


def _edges(network):
    return (network.network_address, network.broadcast_address)


def shared_address_refusals(interfaces, address, taken):
    """Why the hosts of interfaces (address_interfaces' result) cannot share address; taken maps
    every cluster host to its own address."""
    hosts = sorted(interfaces)
    if not address:
        return ["%s share the endpoint's address, so it must be set: set cluster_api_endpoint_ip to a free "
                "address on their network (the virtual IP keepalived moves between them)." % series(hosts)]
    try:
        shared = ipaddress.ip_address(str(address))
    except ValueError:
        return ["cluster_api_endpoint_ip (%s) is not an IP address." % address]
    refusals = []
    owners = sorted(host for host, own in taken.items() if own == str(shared))
    if owners:
        refusals.append("cluster_api_endpoint_ip (%s) is %s's own address: the address %s share must be "
                        "one no host has." % (shared, series(owners), series(hosts)))
    unknown = [host for host in hosts if not interfaces[host]]
    if unknown:
        refusals.append("%s %s no interface with %s cluster address (cluster_node_ip): the shared address "
                        "goes on that interface." % (series(unknown), "has" if len(unknown) == 1 else "have",
                                                     "its" if len(unknown) == 1 else "their"))
    outside = [host for host in hosts if interfaces[host]
               and shared not in ipaddress.ip_network(interfaces[host]["network"])]
    edges = [host for host in hosts if interfaces[host] and host not in outside
             and shared in _edges(ipaddress.ip_network(interfaces[host]["network"]))]
    if edges:
        refusals.append("cluster_api_endpoint_ip (%s) is the network or broadcast address of %s's network (%s): "
                        "choose a host address of it." % (shared, edges[0], interfaces[edges[0]]["network"]))
    if outside:
        networks = ["%s (%s on %s)" % (host, interfaces[host]["network"], interfaces[host]["device"]) for host in outside]
        refusals.append("cluster_api_endpoint_ip (%s) is not on the network of %s: the lb hosts can only share an "
                        "address of a network they are all on." % (shared, series(networks)))
    return refusals


class FilterModule(object):
    def filters(self):
        return {"shared_address_refusals": shared_address_refusals}
