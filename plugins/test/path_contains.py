# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja test: is a path inside a folder (by their components, not as strings)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import posixpath

DOCUMENTATION = r"""
name: path_contains
short_description: Whether a folder holds a path, at any depth
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - True when the path is the folder itself or lies under it, compared component by component
    after normalization (C(/a/bc) is not under C(/a/b)). Give resolved paths (P(ansible.builtin.realpath#filter)).
options:
  _input:
    description: The folder.
    type: str
    required: true
  path:
    description: The path to look for in it.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The keys must not lie inside an inventory folder
  ansible.builtin.assert:
    that: ansible_inventory_sources | select('kthw.control_plane.path_contains', cluster_pki_dir) | list | length == 0
"""

RETURN = r"""
_value:
  description: Whether the folder holds the path.
  type: bool
"""


def path_contains(folder, path):
    folder = posixpath.normpath(str(folder))
    path = posixpath.normpath(str(path))
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class TestModule(object):
    def tests(self):
        return {"path_contains": path_contains}
