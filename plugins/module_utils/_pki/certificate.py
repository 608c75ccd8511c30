# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates: what is asked, why an existing one must be reissued, issuing it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress
import os
import re

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    KEY_TYPES, key_type_of, same_public_key)

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

# Reasons to reissue, in the order they are checked. Timestamps alone never
# trigger a reissue, only the renewal window does.
REASONS = ("missing", "unparsable", "key_missing", "key_mismatch", "key_type",
           "subject", "sans", "usage", "issuer", "expiring")
USAGES = ("server", "client", "both")
CLOCK_SKEW = datetime.timedelta(minutes=5)
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _utc(cert, name):
    value = getattr(cert, name + "_utc", None)
    if value is None:  # cryptography < 42
        value = getattr(cert, name).replace(tzinfo=datetime.timezone.utc)
    return value


def not_before(cert):
    return _utc(cert, "not_valid_before")


def not_after(cert):
    return _utc(cert, "not_valid_after")


class LeafSpec(object):
    """A validated request for a leaf certificate."""

    def __init__(self, common_name, organizations=None, dns_names=None, ip_addresses=None,
                 usage="server", key_type="ecdsa-p256", valid_days=365, renew_before_days=30):
        if not common_name or not str(common_name).strip():
            raise PkiError("common_name must not be empty")
        if usage not in USAGES:
            raise PkiError("usage %r: use one of %s" % (usage, ", ".join(USAGES)))
        if key_type not in KEY_TYPES:
            raise PkiError("unknown key type %r: use one of %s" % (key_type, ", ".join(KEY_TYPES)))
        if int(valid_days) < 1:
            raise PkiError("valid_days must be at least 1, not %s" % valid_days)
        if int(renew_before_days) < 0 or int(renew_before_days) >= int(valid_days):
            raise PkiError("renew_before_days (%s) must be between 0 and valid_days (%s)" % (renew_before_days, valid_days))
        self.common_name = str(common_name)
        self.organizations = [str(o) for o in (organizations or [])]
        self.dns_names = sorted(set(validate_dns_name(n) for n in (dns_names or [])))
        self.ip_addresses = sorted(set(validate_ip(a) for a in (ip_addresses or [])), key=lambda a: (a.version, a))
        self.usage = usage
        self.key_type = key_type
        self.valid_days = int(valid_days)
        self.renew_before_days = int(renew_before_days)

    def subject(self):
        attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in self.organizations]
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name))
        return x509.Name(attributes)

    def sans(self):
        return set(["DNS:" + n for n in self.dns_names] + ["IP:" + str(a) for a in self.ip_addresses])

    def extended_key_usages(self):
        return {"server": {"serverAuth"}, "client": {"clientAuth"}, "both": {"serverAuth", "clientAuth"}}[self.usage]


def validate_dns_name(name):
    text = str(name).strip().lower().rstrip(".")
    if not text or len(text) > 253 or not all(_DNS_LABEL.match(label) for label in text.split(".")):
        raise PkiError("%r is not a valid DNS name for a certificate SAN" % name)
    return text


def validate_ip(address):
    try:
        return ipaddress.ip_address(str(address).strip())
    except ValueError:
        raise PkiError("%r is not a valid IP address for a certificate SAN" % address)


def load_certificate(path):
    """(state, certificate): state is missing, unparsable or ok."""
    if not os.path.exists(path):
        return "missing", None
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return "ok", x509.load_pem_x509_certificate(data)
    except ValueError:
        return "unparsable", None


def certificate_sans(cert):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return set(["DNS:" + str(n).lower() for n in san.get_values_for_type(x509.DNSName)]
               + ["IP:" + str(a) for a in san.get_values_for_type(x509.IPAddress)])


def certificate_extended_key_usages(cert):
    names = {ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth", ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth"}
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return set()
    return set(names.get(oid, oid.dotted_string) for oid in eku)


def _organizations(name):
    return sorted(a.value for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))


def _common_name(name):
    values = [a.value for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return values[0] if values else None


def signed_by(cert, ca_cert):
    """Whether cert names ca_cert as its issuer and carries its valid signature."""
    if cert.issuer != ca_cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def leaf_reissue_reasons(cert_state, cert, key, spec, ca_cert, now):
    """Why the leaf at hand differs from what is asked, in REASONS order; empty when it does not."""
    if cert_state != "ok":
        return [cert_state]
    reasons = []
    if key is None:
        reasons.append("key_missing")
    elif not same_public_key(key, cert.public_key()):
        reasons.append("key_mismatch")
    elif key_type_of(key) != spec.key_type:
        reasons.append("key_type")
    if (_common_name(cert.subject) != spec.common_name
            or _organizations(cert.subject) != sorted(spec.organizations)):
        reasons.append("subject")
    if certificate_sans(cert) != spec.sans():
        reasons.append("sans")
    if certificate_extended_key_usages(cert) != spec.extended_key_usages() or _is_ca(cert):
        reasons.append("usage")
    if not signed_by(cert, ca_cert):
        reasons.append("issuer")
    if now >= not_after(cert) - datetime.timedelta(days=spec.renew_before_days):
        reasons.append("expiring")
    return reasons


def _is_ca(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _key_usage(key, ca):
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=is_rsa and not ca,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)


def issue_leaf(spec, key, ca_cert, ca_key, now):
    """A new leaf for key, signed by the CA. Refuses a leaf that would outlive its CA."""
    start, end = now - CLOCK_SKEW, now + datetime.timedelta(days=spec.valid_days)
    if end > not_after(ca_cert):
        raise PkiError(
            "a %d-day leaf for %s would expire on %s, after its CA %s (%s): lower valid_days or renew the CA"
            % (spec.valid_days, spec.common_name, end.strftime("%Y-%m-%d"), ca_cert.subject.rfc4514_string(),
               not_after(ca_cert).strftime("%Y-%m-%d")))
    eku_oids = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH, "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH}
    builder = (x509.CertificateBuilder()
               .subject_name(spec.subject())
               .issuer_name(ca_cert.subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(key, ca=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([eku_oids[u] for u in sorted(spec.extended_key_usages())]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(_authority_key_identifier(ca_cert), critical=False))
    names = [x509.DNSName(n) for n in spec.dns_names] + [x509.IPAddress(a) for a in spec.ip_addresses]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _authority_key_identifier(ca_cert):
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())


def issue_ca(common_name, organizations, key, valid_days, now):
    """A self-signed CA certificate for key."""
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
                     + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    public = key.public_key()
    return (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + datetime.timedelta(days=int(valid_days)))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
            .sign(key, hashes.SHA256()))


def is_ca(cert):
    return _is_ca(cert)


def certificate_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def facts(cert):
    """What results and diffs may show of a certificate: never key material."""
    if cert is None:
        return {}
    digest = cert.fingerprint(hashes.SHA256()).hex()
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "sans": sorted(certificate_sans(cert)),
        "not_before": not_before(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": not_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fingerprint": ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)),
    }
