# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The facts of a PEM certificate, for reports (cryptography on the controller)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - reported when the filter is used
    HAS_CRYPTOGRAPHY = False

DOCUMENTATION = r"""
name: x509_facts
short_description: Subject, issuer, SANs and validity of a PEM certificate
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Parses a PEM certificate and returns its subject, issuer, serial, SANs, validity and SHA-256
    fingerprint, and the days left until it expires.
  - Needs the C(cryptography) Python package where the filter runs (the controller).
options:
  _input:
    description: A PEM certificate.
    type: str
    required: true
  now:
    description: The time to count the days left from, ISO 8601 in UTC; by default now.
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
      description: DNS names and IP addresses.
      type: list
      elements: str
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


def _utc(cert, name):
    value = getattr(cert, name + "_utc", None)
    if value is None:  # cryptography < 42
        value = getattr(cert, name).replace(tzinfo=datetime.timezone.utc)
    return value


def x509_facts(pem, now=None):
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("x509_facts needs the cryptography Python package on the controller")
    try:
        cert = x509.load_pem_x509_certificate(str(pem).encode("ascii"))
    except ValueError as exc:
        raise AnsibleFilterError("x509_facts: not a PEM certificate: %s" % exc)
    moment = (datetime.datetime.fromisoformat(now.replace("Z", "+00:00")) if now
              else datetime.datetime.now(datetime.timezone.utc))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(v) for v in san.get_values_for_type(x509.DNSName)] + \
               [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        sans = []
    not_after = _utc(cert, "not_valid_after")
    digest = cert.fingerprint(hashes.SHA256()).hex()
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "sans": sans,
        "not_before": _utc(cert, "not_valid_before").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "days_left": (not_after - moment).days,
        "fingerprint": ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)),
    }


class FilterModule(object):
    def filters(self):
        return {"x509_facts": x509_facts}
