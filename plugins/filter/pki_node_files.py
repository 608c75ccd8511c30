# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expands a node's certificate plan into the list of files copied to it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: pki_node_files
short_description: The files a node receives from the controller's certificate set
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Turns the leaves issued for a node (each a certificate and a key on the controller) and the
    shared files it needs (CA certificates, service-account keys) into one list of files to copy.
  - Every entry has C(file), ready for M(kthw.control_plane.file_bundle) (C(src), C(dest), C(owner),
    C(group) and C(mode) V(0600)), and C(component) (whose restart a change of the file calls for).
options:
  _input:
    description: Leaves, each with C(name), C(dest) (without extension), C(owner) and C(component).
    type: list
    elements: dict
    required: true
  shared:
    description:
      - Shared files, each with C(src) (a file on the controller) or C(content), C(dest), C(component)
        and optionally C(owner).
      - C(component) may be a list, for a file several components read (each gets its restart mark).
    type: list
    elements: dict
    required: true
  node_dir:
    description: The node's folder of issued leaves on the controller.
    type: str
    required: true
  marks:
    description:
      - Component -> the path of its restart mark on the node. A file of such a component gets the
        mark in C(file.marks), which M(kthw.control_plane.file_bundle) writes when the file's content
        changes; components not listed (etcdctl) get none.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Copy every file in one transfer
  kthw.control_plane.file_bundle:
    files: "{{ leaves | kthw.control_plane.pki_node_files(shared, pki_dir ~ '/nodes/' ~ inventory_hostname) | map(attribute='file') }}"
"""

RETURN = r"""
_value:
  description: The files, certificates before their keys.
  type: list
  elements: dict
"""


def _entry(source, dest, owner, component, marks):
    # Certificates too are 0600: nothing but their owner reads them on a node.
    entry = {"file": dict(source, dest=dest, owner=owner, group=owner, mode="0600"), "component": component}
    components = component if isinstance(component, list) else [component]
    if any(c in marks for c in components):
        entry["file"]["marks"] = [marks[c] for c in components if c in marks]
    return entry


def pki_node_files(leaves, shared, node_dir, marks=None):
    files = []
    marks = marks or {}
    try:
        for leaf in leaves:
            for extension in ("crt", "key"):
                files.append(_entry({"src": "%s/%s.%s" % (node_dir, leaf["name"], extension)},
                                    "%s.%s" % (leaf["dest"], extension),
                                    leaf.get("owner", "root"), leaf["component"], marks))
        for entry in shared:
            source = {"content": entry["content"]} if "content" in entry else {"src": entry["src"]}
            files.append(_entry(source, entry["dest"], entry.get("owner", "root"), entry["component"], marks))
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("pki_node_files: malformed entry, missing %s" % exc)
    return files


class FilterModule(object):
    def filters(self):
        return {"pki_node_files": pki_node_files}
