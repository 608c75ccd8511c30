#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: node_pki_facts
short_description: Digests of the CAs, service-account key and encryption keys a host holds
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Reads the given files and returns, for each, only digests - never key bytes or secret values - so
    the pre-flight can tell whether a host already belongs to a cluster and to which.
  - A certificate file gives the SHA-256 of the DER of each certificate in it; a public key the SHA-256 of
    its DER SubjectPublicKeyInfo; a private key the same digest of its public half; an encryption key
    file the SHA-256 of the decoded key; an encryption configuration its providers in order, each with
    its keys' names and the SHA-256 of each decoded secret.
  - A missing file is reported as such; a file that cannot be read as its kind is reported with an
    error. Reads only, changes nothing.
  - Needs only the Python standard library, except for O(files[].kind=private_key), which needs
    C(cryptography) (on the controller).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  files:
    description: The files to read.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: What the file is to the caller, such as C(kubernetes CA); returned as it is.
        type: str
        required: true
      path:
        description: The file.
        type: path
        required: true
      kind:
        description: How to read it.
        type: str
        required: true
        choices: [certificate, public_key, private_key, encryption_key, encryption_config]
"""

EXAMPLES = r"""
- name: Read what this node holds
  kthw.control_plane.node_pki_facts:
    files:
      - {name: kubernetes CA, path: /etc/kubernetes/pki/ca.crt, kind: certificate}
      - {name: service-account key, path: /etc/kubernetes/pki/sa.pub, kind: public_key}
      - {name: encryption key, path: /etc/kubernetes/encryption-config.yaml, kind: encryption_config}
  register: held
"""

RETURN = r"""
files:
  description: One entry per file, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: As given.
      type: str
    path:
      description: As given.
      type: str
    kind:
      description: As given.
      type: str
    exists:
      description: Whether the file is there.
      type: bool
    sha256:
      description: Lower-case hexadecimal digests; all kinds but C(encryption_config), when readable.
      type: list
      elements: str
      returned: when the file exists and could be read
    providers:
      description: The providers in order, each with C(provider) and C(keys) (C(name), C(sha256)).
      type: list
      elements: dict
      returned: for an encryption configuration that exists and could be read
    error:
      description: Why a file that exists could not be read.
      type: str
      returned: when the file exists but could not be read
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.held import KINDS, read_held


def main():
    module = AnsibleModule(
        argument_spec=dict(files=dict(type="list", elements="dict", required=True, options=dict(
            name=dict(type="str", required=True),
            path=dict(type="path", required=True),
            kind=dict(type="str", required=True, choices=list(KINDS)),
        ))),
        supports_check_mode=True,
    )
    files = [read_held(f["name"], f["path"], f["kind"]) for f in module.params["files"]]
    module.exit_json(changed=False, files=files)


if __name__ == "__main__":
    main()
