# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chooses the leaves a certificate rotation renews, or resumes a recorded one."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: rotation_plan
short_description: The leaf certificates a rotation renews
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Selects, from every issued leaf, those matching all the given filters (an empty filter matches
    everything).
  - With the O(record) of a rotation that stopped half-way, selects exactly the leaves it recorded
    instead, ignoring the filters, so a re-run finishes that rotation without renewing twice what it
    already renewed.
  - Each entry keeps its leaf's fields and adds C(serial_before) (the serial the rotation replaces)
    and C(renewed) (whether the leaf already carries another serial).
options:
  _input:
    description: Issued leaves, each with C(id), C(name), C(component), C(serial) and C(days_left).
    type: list
    elements: dict
    required: true
  names:
    description: Leaf names to keep, such as C(apiserver) or C(etcd-peer).
    type: list
    elements: str
    default: []
  components:
    description: Components to keep, such as C(etcd) or C(kube-apiserver).
    type: list
    elements: str
    default: []
  within_days:
    description: Keep only leaves expiring within this many days; a negative number keeps all.
    type: int
    default: -1
  record:
    description: The record of an unfinished rotation, with C(certificates) mapping ids to serials.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Plan the renewal of what expires within 30 days
  ansible.builtin.set_fact:
    plan: "{{ leaves | kthw.control_plane.rotation_plan(within_days=30) }}"
"""

RETURN = r"""
_value:
  description: The leaves to renew, in input order.
  type: list
  elements: dict
"""


def _entry(leaf, serial_before):
    entry = dict(leaf)
    entry["serial_before"] = serial_before
    entry["renewed"] = leaf["serial"] != serial_before
    return entry


def rotation_plan(leaves, names=None, components=None, within_days=-1, record=None):
    names, components = list(names or []), list(components or [])
    try:
        within_days = int(within_days)
        recorded = dict((record or {}).get("certificates") or {})
        if recorded:
            return [_entry(leaf, recorded[leaf["id"]]) for leaf in leaves if leaf["id"] in recorded]
        return [_entry(leaf, leaf["serial"]) for leaf in leaves
                if (not names or leaf["name"] in names)
                and (not components or leaf["component"] in components)
                and (within_days < 0 or int(leaf["days_left"]) < within_days)]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError("rotation_plan: malformed input (%s: %s)" % (type(exc).__name__, exc))


class FilterModule(object):
    def filters(self):
        return {"rotation_plan": rotation_plan}
