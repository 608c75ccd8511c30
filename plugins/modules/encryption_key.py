#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: encryption_key
short_description: Generates a random key once and never again
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Writes a random key, base64-encoded, to O(path) if the file does not exist yet, for the
    apiserver's encryption at rest (secretbox, aescbc and aesgcm all take 32 bytes).
  - An existing key is never regenerated or rewritten, only checked, since data encrypted with it
    would be lost.
  - The file is C(0600) from its first byte and its content never appears in results or diffs.
options:
  path:
    description: The key file.
    type: path
    required: true
  size:
    description: Key length in bytes, before base64 encoding.
    type: int
    default: 32
notes:
  - Supports check mode.
"""

EXAMPLES = r"""
- name: Generate the encryption key once, on the controller
  kthw.control_plane.encryption_key:
    path: "{{ inventory_dir }}/pki/encryption-key-secretbox"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
path:
  description: The key file.
  returned: always
  type: str
"""

import base64
import binascii
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import write_private


def check_existing(path, size):
    """An existing key must decode to the expected length; it is never replaced."""
    with open(path, "rb") as handle:
        text = handle.read().strip()
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "%s is not base64: restore the key from a backup; it is never regenerated" % path
    if len(decoded) != size:
        return "%s holds a %d-byte key, %d expected: restore it from a backup; it is never regenerated" % (
            path, len(decoded), size)
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(path=dict(type="path", required=True), size=dict(type="int", default=32)),
        supports_check_mode=True,
    )
    path, size = module.params["path"], module.params["size"]
    if os.path.exists(path):
        problem = check_existing(path, size)
        if problem:
            module.fail_json(msg=problem)
        if os.stat(path).st_mode & 0o077:
            module.fail_json(msg="%s is readable by others: chmod 0600 it (the key may be exposed)" % path)
        module.exit_json(changed=False, path=path)
    if not module.check_mode:
        write_private(path, base64.b64encode(os.urandom(size)) + b"\n")
    module.exit_json(changed=True, path=path)


if __name__ == "__main__":
    main()
