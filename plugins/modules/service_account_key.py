#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: service_account_key
short_description: Creates the service-account token-signing key pair once
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Creates the private key the apiserver signs service-account tokens with, and its public key,
    which the apiserver verifies them with.
  - The private key is never regenerated once present (every token issued would stop working);
    a damaged one fails the task. The public key is rewritten when it does not match.
  - The private key is C(0600) from its first byte and never appears in results or diffs.
requirements:
  - cryptography >= 41
options:
  path:
    description: The private key.
    type: path
    required: true
  public_key_path:
    description: The public key, PEM.
    type: path
    required: true
  key_type:
    description: Algorithm of a new key.
    type: str
    default: rsa-3072
    choices: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
  owner:
    description: Owner of both files.
    type: str
  group:
    description: Group of both files.
    type: str
  mode:
    description: Mode of the public key.
    type: raw
    default: "0644"
  key_mode:
    description: Mode of the private key; group and others never get access.
    type: raw
    default: "0600"
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: The service-account key pair
  kthw.control_plane.service_account_key:
    path: "{{ inventory_dir }}/pki/service-account.key"
    public_key_path: "{{ inventory_dir }}/pki/service-account.pub"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
key_type:
  description: Algorithm of the key in place.
  returned: always
  type: str
public_key_sha256:
  description: SHA-256 of the public key PEM.
  returned: always
  type: str
changed_reasons:
  description: C(missing) when the key was created, C(public_key) when the public key was rewritten.
  returned: always
  type: list
  elements: str
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import (
    FILE_ARGUMENT_SPEC, apply_attributes, check_key_mode)

try:
    from ansible_collections.kthw.control_plane.plugins.module_utils._pki.backend import ensure_service_account_key
    IMPORT_ERROR = None
except ImportError:
    IMPORT_ERROR = traceback.format_exc()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            public_key_path=dict(type="path", required=True),
            key_type=dict(type="str", default="rsa-3072",
                          choices=["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]),
            **FILE_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    if IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=IMPORT_ERROR)
    p = module.params
    if not check_key_mode(p["key_mode"]):
        module.fail_json(msg="key_mode %s gives group or others access to the signing key: use 0600 or stricter" % p["key_mode"])
    try:
        result = ensure_service_account_key(p["path"], p["public_key_path"], p["key_type"], module.check_mode)
    except PkiError as exc:
        module.fail_json(msg=str(exc))
    if not module.check_mode:
        result["changed"] = apply_attributes(module, result["changed"],
                                             [(p["public_key_path"], p["mode"]), (p["path"], p["key_mode"])])
    if not module._diff:
        result.pop("diff")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
