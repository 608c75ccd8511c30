# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja test: is the value a network in CIDR notation (standard library only)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

DOCUMENTATION = r"""
name: ip_network
short_description: Whether a value is a network in CIDR notation
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - True when the value is an IPv4 or IPv6 network with a prefix length
    (C(10.32.0.0/24)) whose host bits are all zero.
options:
  _input:
    description: The value to test.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bad service CIDR
  ansible.builtin.assert:
    that: cluster_service_cidr is kthw.control_plane.ip_network
"""

RETURN = r"""
_value:
  description: Whether the value is a network.
  type: bool
"""


def ip_network(value):
    text = str(value)
    if "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        return False
    return True


class TestModule(object):
    def tests(self):
        return {"ip_network": ip_network}
