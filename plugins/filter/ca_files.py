# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files on the controller are each CA: the one that issues, and every one the verifiers trust."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: ca_files
short_description: The files of each certificate authority, from the CA rotation's record
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - Without a CA rotation under way, the CA C(<name>) is C(<ca_dir>/<name>.crt) and C(.key); it
    issues, and the verifiers trust it alone.
  - A rotation (M(kthw.control_plane.x509_ca) made C(<name>-next.crt)) moves through phases. In
    V(widening) the old CA issues and both are trusted; in V(reissuing) the new CA issues and both are
    trusted; in V(narrowing) the new CA issues and is trusted alone; in V(narrowed) the same, while the
    new CA takes the name C(<name>.crt) (whichever file holds it is named).
  - A rotation rolled back before V(narrowing) goes the other way. In V(unwinding) the old CA issues again
    and both are trusted; in V(retracting) and V(retracted) the old CA issues and is trusted alone.
  - CAs the rotation does not cover keep their own file.
options:
  _input:
    description: The record of kthw.control_plane.rotate_ca, empty without a rotation.
    type: dict
    required: true
  ca_dir:
    description: Folder on the controller of the CA certificates and keys.
    type: path
    required: true
  names:
    description: The CAs.
    type: list
    elements: str
    default: [kubernetes, etcd, front-proxy]
"""

EXAMPLES = r"""
- name: The CA bundle every verifier of the Kubernetes CA trusts
  ansible.builtin.debug:
    msg: "{{ query('ansible.builtin.file', *(record | kthw.control_plane.ca_files(pki_dir ~ '/ca')).kubernetes.trust) }}"
"""

RETURN = r"""
_value:
  description: Per CA name, C(cert) and C(key) of the CA that issues, and C(trust), the certificates trusted.
  type: dict
"""

FORWARD_PHASES = ("widening", "reissuing", "narrowing", "narrowed")
ROLLBACK_PHASES = ("unwinding", "retracting", "retracted")
PHASES = FORWARD_PHASES + ROLLBACK_PHASES
# The CA that issues in each phase, and the CAs trusted, of (old, new).
_ISSUES = {"widening": "old", "reissuing": "new", "narrowing": "new", "narrowed": "new",
           "unwinding": "old", "retracting": "old", "retracted": "old"}
_TRUSTS = {"widening": ("old", "new"), "reissuing": ("old", "new"), "narrowing": ("new",), "narrowed": ("new",),
           "unwinding": ("old", "new"), "retracting": ("old",), "retracted": ("old",)}


def _pair(ca_dir, stem):
    return {"cert": os.path.join(ca_dir, stem + ".crt"), "key": os.path.join(ca_dir, stem + ".key")}


def ca_files(record, ca_dir, names=("kubernetes", "etcd", "front-proxy")):
    record = record or {}
    if not isinstance(record, dict):
        raise AnsibleFilterError("ca_files: the CA rotation record must be a dict, got %s" % type(record).__name__)
    phase = record.get("phase")
    if record and phase not in PHASES:
        raise AnsibleFilterError("ca_files: the CA rotation record has phase %r; expected one of %s"
                                 % (phase, ", ".join(PHASES)))
    rotating = record.get("cas", []) if record else []
    result = {}
    for name in names:
        current = _pair(ca_dir, name)
        if name not in rotating:
            result[name] = dict(current, trust=[current["cert"]])
            continue
        pairs = {"old": current, "new": _pair(ca_dir, name + "-next")}
        # Once renamed, the new CA is <name>.crt and there is no -next left.
        if phase == "narrowed" and not os.path.isfile(pairs["new"]["cert"]):
            pairs["new"] = current
        issuer = pairs[_ISSUES[phase]]
        result[name] = dict(issuer, trust=[pairs[which]["cert"] for which in _TRUSTS[phase]])
    return result


class FilterModule(object):
    def filters(self):
        return {"ca_files": ca_files}
