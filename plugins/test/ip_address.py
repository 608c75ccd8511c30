# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja test: is the value an IP address (standard library only, no netaddr)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

DOCUMENTATION = r"""
name: ip_address
short_description: Whether a value is an IPv4 or IPv6 address
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - True when the value is a single IPv4 or IPv6 address, without a prefix length.
options:
  _input:
    description: The value to test.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bad address
  ansible.builtin.assert:
    that: cluster_node_ip is kthw.control_plane.ip_address
"""

RETURN = r"""
_value:
  description: Whether the value is an address.
  type: bool
"""


def ip_address(value):
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


class TestModule(object):
    def tests(self):
        return {"ip_address": ip_address}
