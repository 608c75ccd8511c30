#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: x509_ca
short_description: Create a certificate authority once, and never replace it
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Creates a private key and a self-signed CA certificate for it when neither exists. The
    certificate has C(CA:TRUE) with path length 0 and the key usages C(keyCertSign),
    C(cRLSign) and C(digitalSignature), all critical, and subject and authority key identifiers.
  - A CA that exists is never regenerated, whatever the options say. When its subject or key
    type differ from the options, the module only warns.
  - A certificate whose key does not match, a file that cannot be parsed, or a certificate
    without its key fails the task and leaves both files as they are. A CA whose key is kept
    elsewhere is declared with O(external=true); its certificate is then only checked.
  - A key without its certificate gets a certificate for that key, never a new key.
  - Missing folders of O(path) and O(key_path) are created with mode C(0700).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - kthw.control_plane.pki_files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  path:
    description: The CA certificate, PEM.
    type: path
    required: true
  key_path:
    description:
      - The CA private key, PEM.
      - Required unless O(external=true).
    type: path
  common_name:
    description:
      - Common name of a new CA.
      - Required unless O(external=true).
    type: str
  organizations:
    description: Organizations of a new CA, in this order.
    type: list
    elements: str
    default: []
  key_type:
    description: Algorithm of a new key.
    type: str
    default: ecdsa-p256
    choices: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
  valid_days:
    description: Validity of a new CA certificate, in days.
    type: int
    default: 3650
  external:
    description:
      - The CA is external; its key is kept elsewhere.
      - The certificate at O(path) must exist and be a CA certificate; the module only checks it
        and returns its facts, never writes it and never reports C(changed) for its content.
      - A key at O(key_path), if there is one, must match it.
    type: bool
    default: false
seealso:
  - module: kthw.control_plane.x509_certificate
"""

EXAMPLES = r"""
- name: Create the etcd CA on the controller, once
  kthw.control_plane.x509_ca:
    path: "{{ inventory_dir }}/pki/ca/etcd.crt"
    key_path: "{{ inventory_dir }}/pki/ca/etcd.key"
    common_name: kthw-etcd-ca
  delegate_to: localhost
  run_once: true

- name: Use a CA whose key stays with the security team
  kthw.control_plane.x509_ca:
    path: "{{ inventory_dir }}/pki/ca/front-proxy.crt"
    external: true
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
subject:
  description: Subject of the CA certificate, RFC 4514.
  returned: always
  type: str
  sample: CN=kthw-etcd-ca
issuer:
  description: Issuer of the CA certificate, RFC 4514; the subject for a self-signed CA.
  returned: always
  type: str
  sample: CN=kthw-etcd-ca
serial:
  description: Serial number, lower-case hexadecimal without separators.
  returned: always
  type: str
  sample: 4f1e0c6a9b0d2e55c3a1f7e8b9d0c1a2b3c4d5e6
sans:
  description: Subject alternative names of the CA certificate, usually none.
  returned: always
  type: list
  elements: str
  sample: []
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2026-11-23T07:55:00Z"
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2036-11-21T08:00:00Z"
fingerprint:
  description: SHA-256 fingerprint of the certificate, colon-separated lower-case hexadecimal.
  returned: always
  type: str
  sample: "3a:5f:...:9c"
changed_reasons:
  description:
    - Why the CA was (or in check mode would be) created, empty when it was left alone.
    - V(missing) when the certificate was created, followed by V(key_missing) when its key was
      created too.
  returned: always
  type: list
  elements: str
  sample: [missing, key_missing]
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import make_dirs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import FILE_ARGUMENT_SPEC, PkiFiles
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.issuing import create_ca_once
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    CRYPTOGRAPHY_IMPORT_ERROR, HAS_CRYPTOGRAPHY, KEY_TYPES)


def main():
    argument_spec = dict(
        path=dict(type="path", required=True),
        key_path=dict(type="path"),
        common_name=dict(type="str"),
        organizations=dict(type="list", elements="str", default=[]),
        key_type=dict(type="str", default="ecdsa-p256", choices=list(KEY_TYPES)),
        valid_days=dict(type="int", default=3650),
        external=dict(type="bool", default=False),
    )
    argument_spec.update(FILE_ARGUMENT_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[("external", False, ("key_path", "common_name"))],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    p = module.params
    try:
        if not module.check_mode:
            for path in (p["path"], p["key_path"]):
                if path:
                    make_dirs(os.path.dirname(os.path.abspath(path)), 0o700)
        result = create_ca_once(PkiFiles.from_params(module), p["path"], p["key_path"], p["common_name"],
                                p["organizations"], p["key_type"], p["valid_days"], p["external"])
    except PkiError as exc:
        module.fail_json(msg=str(exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot create the folder of the CA: %s" % exc)
    for warning in result.pop("warnings"):
        module.warn(warning)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
