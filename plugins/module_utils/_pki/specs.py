# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs of a leaf certificate, shared by x509_certificate (one) and
x509_certificates (a list), so that both take and check the same options."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import USAGES
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import KEY_TYPES

# What one certificate is: its files, its CA and its identity.
LEAF_OPTIONS = dict(
    path=dict(type="path", required=True),
    key_path=dict(type="path", required=True, no_log=False),  # a path, not a secret
    ca_path=dict(type="path", required=True),
    ca_key_path=dict(type="path", required=True, no_log=False),
    common_name=dict(type="str", required=True),
    organizations=dict(type="list", elements="str", default=[]),
    dns_names=dict(type="list", elements="str", default=[]),
    ip_addresses=dict(type="list", elements="str", default=[]),
    usage=dict(type="str", default="server", choices=list(USAGES)),
    force=dict(type="bool", default=False),
    regenerate_key=dict(type="bool", default=False),
)

# How certificates are issued and renewed.
LEAF_POLICY_OPTIONS = dict(
    key_type=dict(type="str", default="ecdsa-p256", choices=list(KEY_TYPES)),
    valid_days=dict(type="int", default=365),
    renew_before_days=dict(type="int", default=30),
)
