# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether two networks share addresses (standard library only, no netaddr)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: networks_overlap
short_description: Whether two networks share addresses
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - True when the two networks, in CIDR notation, have at least one address in common.
  - Networks of different IP versions never overlap.
options:
  _input:
    description: A network in CIDR notation.
    type: str
    required: true
  other:
    description: Another network in CIDR notation.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Service and pod networks must be apart
  ansible.builtin.assert:
    that: not (cluster_service_cidr | kthw.control_plane.networks_overlap(cluster_pod_cidr))
"""

RETURN = r"""
_value:
  description: Whether they overlap.
  type: bool
"""


def networks_overlap(network, other):
    try:
        first = ipaddress.ip_network(str(network), strict=False)
        second = ipaddress.ip_network(str(other), strict=False)
    except ValueError as exc:
        raise AnsibleFilterError("networks_overlap: %s" % exc)
    if first.version != second.version:
        return False
    return first.overlaps(second)


class FilterModule(object):
    def filters(self):
        return {"networks_overlap": networks_overlap}
