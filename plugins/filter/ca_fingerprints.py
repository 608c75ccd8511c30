# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SHA-256 fingerprints of certificate files on the controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import facts, parse_certificate
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import HAS_CRYPTOGRAPHY

DOCUMENTATION = r"""
name: ca_fingerprints
short_description: The SHA-256 fingerprints of certificate files on the controller
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - Reads each PEM certificate file and returns its SHA-256 fingerprint, as the PKI modules report it.
  - A CA rotation records the fingerprints of the old and the new CAs when it starts, and checks on every
    later run that the controller's CA files are still those.
  - Needs the C(cryptography) Python package where the filter runs (the controller).
options:
  _input:
    description: Certificate file paths.
    type: list
    elements: path
    required: true
  missing_ok:
    description: Leave out the files that do not exist instead of failing.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Show the fingerprint of the Kubernetes CA
  ansible.builtin.debug:
    msg: "{{ ([pki_dir ~ '/ca/kubernetes.crt'] | kthw.control_plane.ca_fingerprints).values() | first }}"
"""

RETURN = r"""
_value:
  description: Per path, the certificate's SHA-256 fingerprint (colon-separated hexadecimal).
  type: dict
"""


def ca_fingerprints(paths, missing_ok=False):
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("ca_fingerprints needs the cryptography Python package on the controller")
    result = {}
    for path in paths:
        if missing_ok and not os.path.exists(path):
            continue
        try:
            with open(path, "rb") as handle:
                cert = parse_certificate(handle.read())
        except (IOError, OSError) as exc:
            raise AnsibleFilterError("ca_fingerprints: cannot read %s (%s)" % (path, exc))
        if cert is None:
            raise AnsibleFilterError("ca_fingerprints: %s is not a PEM certificate" % path)
        result[path] = facts(cert)["fingerprint"]
    return result


class FilterModule(object):
    def filters(self):
        return {"ca_fingerprints": ca_fingerprints}
