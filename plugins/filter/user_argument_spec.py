# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role's argument spec reduced to checking what the user set."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: user_argument_spec
short_description: A role's argument spec without defaults and requirements
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Drops C(default) and C(required) from every option of an argument spec, so that
    C(ansible.builtin.validate_argument_spec) checks only the values the user set (types,
    choices, elements) before the role itself runs, without applying template defaults.
options:
  _input:
    description: The options of an entry point of C(meta/argument_specs.yml).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the user's etcd variables early
  ansible.builtin.validate_argument_spec:
    argument_spec: "{{ (lookup('ansible.builtin.file', 'roles/etcd/meta/argument_specs.yml') | from_yaml)
      .argument_specs.main.options | kthw.control_plane.user_argument_spec }}"
"""

RETURN = r"""
_value:
  description: The options, without C(default) and C(required).
  type: dict
"""


def user_argument_spec(options):
    reduced = {}
    for name, option in (options or {}).items():
        option = dict(option)
        option.pop("default", None)
        option.pop("required", None)
        if isinstance(option.get("options"), dict):
            option["options"] = user_argument_spec(option["options"])
        reduced[name] = option
    return reduced


class FilterModule(object):
    def filters(self):
        return {"user_argument_spec": user_argument_spec}
