#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: x509_ca
short_description: Creates a certificate authority once and never replaces it
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Creates a private key and a self-signed CA certificate (C(CA:TRUE), path length 0,
    C(keyCertSign) and C(cRLSign)) when neither exists.
  - A CA that exists is never regenerated, whatever the options say. A certificate whose key does
    not match, a damaged file, or a certificate without its key fails the task instead.
  - A key without its certificate gets a certificate for that key, never a new key.
  - The key is C(0600) from its first byte. Results and diffs show parsed facts only.
requirements:
  - cryptography >= 41
options:
  path:
    description: The CA certificate.
    type: path
    required: true
  key_path:
    description: The CA private key.
    type: path
    required: true
  common_name:
    description: Common name of a new CA.
    type: str
    required: true
  organizations:
    description: Organizations of a new CA.
    type: list
    elements: str
    default: []
  key_type:
    description: Algorithm of a new key.
    type: str
    default: ecdsa-p256
    choices: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
  valid_days:
    description: Validity of a new CA, in days.
    type: int
    default: 3650
  external:
    description:
      - The CA's key is kept elsewhere (an external CA). The certificate is only checked to be a CA;
        a missing key is then not an error.
    type: bool
    default: false
  owner:
    description: Owner of the certificate and the key.
    type: str
  group:
    description: Group of the certificate and the key.
    type: str
  mode:
    description: Mode of the certificate.
    type: raw
    default: "0644"
  key_mode:
    description: Mode of the key; group and others never get access.
    type: raw
    default: "0600"
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: The etcd CA, created once on the controller
  kthw.control_plane.x509_ca:
    path: "{{ inventory_dir }}/pki/ca/etcd.crt"
    key_path: "{{ inventory_dir }}/pki/ca/etcd.key"
    common_name: kthw-etcd-ca
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
serial:
  description: Serial number, hexadecimal.
  returned: always
  type: str
subject:
  description: Subject, RFC 4514.
  returned: always
  type: str
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: always
  type: str
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: always
  type: str
fingerprint:
  description: SHA-256 fingerprint.
  returned: always
  type: str
changed_reasons:
  description: Why the CA was created (C(missing)), empty when it was left alone.
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
    from ansible_collections.kthw.control_plane.plugins.module_utils._pki.backend import ensure_ca
    IMPORT_ERROR = None
except ImportError:
    IMPORT_ERROR = traceback.format_exc()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            key_path=dict(type="path", required=True),
            common_name=dict(type="str", required=True),
            organizations=dict(type="list", elements="str", default=[]),
            key_type=dict(type="str", default="ecdsa-p256",
                          choices=["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]),
            valid_days=dict(type="int", default=3650),
            external=dict(type="bool", default=False),
            **FILE_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    if IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=IMPORT_ERROR)
    p = module.params
    if not check_key_mode(p["key_mode"]):
        module.fail_json(msg="key_mode %s gives group or others access to a CA key: use 0600 or stricter" % p["key_mode"])
    try:
        result = ensure_ca(p["path"], p["key_path"], p["common_name"], p["organizations"], p["key_type"],
                           p["valid_days"], p["external"], module.check_mode)
    except PkiError as exc:
        module.fail_json(msg=str(exc))
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if not module.check_mode:
        result["changed"] = apply_attributes(module, result["changed"],
                                             [(p["path"], p["mode"]), (p["key_path"], p["key_mode"])])
    if not module._diff:
        result.pop("diff")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
