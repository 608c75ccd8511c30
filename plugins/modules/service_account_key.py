#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: service_account_key
short_description: Create the service-account token-signing key pair once
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Creates the RSA private key the kube-apiserver signs service-account tokens with, and the public
    key it verifies them with.
  - The private key is never regenerated once present, since every token it signed would stop
    working. A file there that is not an unencrypted PEM private key fails the task and is left as it is.
  - The public key is derived from the private key and written again when it is missing, cannot be
    parsed, or is not the private key's.
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
    description: The private key, PEM.
    type: path
    required: true
  public_key_path:
    description: The public key, PEM (SubjectPublicKeyInfo).
    type: path
    required: true
  key_type:
    description:
      - Size of a new RSA key.
      - An existing key is kept whatever its type; the module then warns.
    type: str
    default: rsa-3072
    choices: [rsa-2048, rsa-3072, rsa-4096]
"""

EXAMPLES = r"""
- name: Create the service-account key pair on the controller, once
  kthw.control_plane.service_account_key:
    path: "{{ inventory_dir }}/pki/service-account.key"
    public_key_path: "{{ inventory_dir }}/pki/service-account.pub"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
key_type:
  description: Type of the private key in place.
  returned: always
  type: str
  sample: rsa-3072
public_key_fingerprint:
  description: SHA-256 of the DER public key (SubjectPublicKeyInfo), colon-separated lower-case hexadecimal.
  returned: always
  type: str
  sample: "9d:04:...:e1"
changed_reasons:
  description:
    - What was (or in check mode would be) written, empty when nothing was.
    - V(missing) - the private key was created.
    - V(public_key_missing) - the public key was written as it did not exist.
    - V(public_key_mismatch) - the public key was rewritten as it was unparsable or another key's.
  returned: always
  type: list
  elements: str
  sample: [missing, public_key_missing]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import FILE_ARGUMENT_SPEC, PkiFiles
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.issuing import create_service_account_key_once
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    CRYPTOGRAPHY_IMPORT_ERROR, HAS_CRYPTOGRAPHY, RSA_KEY_TYPES)


def main():
    argument_spec = dict(
        path=dict(type="path", required=True),
        public_key_path=dict(type="path", required=True),
        key_type=dict(type="str", default="rsa-3072", choices=list(RSA_KEY_TYPES)),
    )
    argument_spec.update(FILE_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    p = module.params
    try:
        result = create_service_account_key_once(PkiFiles.from_params(module), p["path"], p["public_key_path"],
                                                 p["key_type"])
    except PkiError as exc:
        module.fail_json(msg=str(exc))
    for warning in result.pop("warnings"):
        module.warn(warning)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
