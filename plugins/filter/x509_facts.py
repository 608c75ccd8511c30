# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The facts of a PEM certificate, for reports: the PKI modules' own facts, plus the days left."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import (
    facts, not_after, parse_certificate, utcnow)
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import HAS_CRYPTOGRAPHY

DOCUMENTATION = r"""
name: x509_facts
short_description: Subject, issuer, SANs and validity of a PEM certificate
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Parses a PEM certificate and returns the facts the PKI modules report of it (subject, issuer,
    serial, SANs, key type, validity and SHA-256 fingerprint), and the days left until it expires.
  - Needs the C(cryptography) Python package where the filter runs (the controller).
options:
  _input:
    description: A PEM certificate.
    type: str
    required: true
  now:
    description:
      - The time to count the days left from, ISO 8601 (a time without an offset is taken as UTC);
        by default now.
    type: str
"""

EXAMPLES = r"""
- name: Show when the apiserver certificate expires
  ansible.builtin.debug:
    msg: "{{ (lookup('ansible.builtin.file', 'pki/nodes/cp1/apiserver.crt') | kthw.control_plane.x509_facts).not_after }}"
"""

RETURN = r"""
_value:
  description: The certificate's facts.
  type: dict
  contains:
    subject:
      description: Subject as an RFC 4514 string.
      type: str
    issuer:
      description: Issuer as an RFC 4514 string.
      type: str
    serial:
      description: Serial number in hexadecimal.
      type: str
    sans:
      description:
        - Subject alternative names, sorted, as the PKI modules report them - V(DNS:<name>) in lower
          case, V(IP:<address>), and V(other:...) for any other kind.
      type: list
      elements: str
    key_type:
      description: Type of the certified key, such as V(ecdsa-p256) or V(rsa-2048).
      type: str
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
    days_left:
      description: Whole days until it expires, negative once expired.
      type: int
    fingerprint:
      description: SHA-256 fingerprint, colon-separated hexadecimal.
      type: str
"""


def _moment(now):
    """now as an aware UTC time; a naive one is taken as UTC."""
    if not now:
        return utcnow()
    try:
        moment = datetime.datetime.fromisoformat(str(now).replace("Z", "+00:00"))
    except ValueError:
        raise AnsibleFilterError("x509_facts: now %r is not an ISO 8601 time such as 2026-11-23T12:00:00Z" % (now,))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def x509_facts(pem, now=None):
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("x509_facts needs the cryptography Python package on the controller")
    cert = parse_certificate(to_bytes(pem, errors="surrogate_or_strict"))
    if cert is None:
        raise AnsibleFilterError("x509_facts: not a PEM certificate")
    result = facts(cert)
    result["days_left"] = (not_after(cert) - _moment(now)).days
    return result


class FilterModule(object):
    def filters(self):
        return {"x509_facts": x509_facts}
