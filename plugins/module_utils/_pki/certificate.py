# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates: what is asked for, why the one at hand must be reissued, issuing one.

Nothing here touches a file: the decision function ``leaf_reissue_reasons`` is pure and
is driven by tables in the unit tests.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress
import re

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    check_key_type, colon_hex, is_rsa, key_type_of, same_public_key)

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    pass  # keys.HAS_CRYPTOGRAPHY tells the modules; nothing here runs without it.

# Why a leaf is (re)issued, in the order they are checked and reported.
#   missing        the certificate file does not exist
#   unparsable     the certificate file is not a PEM certificate
#   key_missing    no usable key: the key file is missing or not an unencrypted PEM key
#   key_mismatch   the key does not match the certificate's public key
#   key_type       the key is not of the requested key_type
#   subject        common name or organizations differ
#   sans           the set of DNS names and IP addresses differs
#   usage          extended key usage, key usage or basic constraints differ
#   issuer         not issued by the CA: issuer name, authority key id or signature
#   expiring       inside the renewal window (renew_before_days before notAfter)
#   forced         force=true
#   regenerate_key regenerate_key=true
# Timestamps alone, the serial and the validity length asked for never are reasons.
REASONS = ("missing", "unparsable", "key_missing", "key_mismatch", "key_type", "subject", "sans",
           "usage", "issuer", "expiring", "forced", "regenerate_key")
USAGES = ("server", "client", "both")
# notBefore is set this far in the past so that hosts whose clocks lag accept a new certificate.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# X.509 upper bound (ub-common-name, ub-organization-name).
_MAX_NAME_LENGTH = 64
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_ISO_8601 = "%Y-%m-%dT%H:%M:%SZ"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _validity(cert, name):
    value = getattr(cert, name + "_utc", None)
    if value is None:  # cryptography < 42 has only the naive UTC attribute
        value = getattr(cert, name).replace(tzinfo=datetime.timezone.utc)
    return value


def not_before(cert):
    return _validity(cert, "not_valid_before")


def not_after(cert):
    return _validity(cert, "not_valid_after")


def iso8601(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(_ISO_8601)


# ---------------------------------------------------------------- what is asked

def validate_name_value(value, option):
    """A common name or organization: non-empty, at most 64 characters."""
    text = "" if value is None else str(value)
    if not text.strip():
        raise PkiError("%s must not be empty" % option)
    if len(text) > _MAX_NAME_LENGTH:
        raise PkiError("%s %r is longer than the %d characters X.509 allows" % (option, text, _MAX_NAME_LENGTH))
    return text


def validate_dns_name(name):
    """A DNS name for a SAN, lower case, without a trailing dot. Wildcards are refused."""
    text = str(name).strip().lower()
    text = text[:-1] if text.endswith(".") else text
    if text.startswith("*."):
        raise PkiError("dns_names: %r is a wildcard; this collection issues certificates for exact names only" % name)
    if _is_ip(text):
        raise PkiError("dns_names: %r is an IP address; put it in ip_addresses" % name)
    if not text or len(text) > 253 or not all(_DNS_LABEL.match(label) for label in text.split(".")):
        raise PkiError("dns_names: %r is not a valid DNS name (letters, digits and inner hyphens, "
                       "dot-separated labels of at most 63 characters)" % name)
    return text


def validate_ip(address):
    """An IPv4 or IPv6 address for a SAN."""
    try:
        return ipaddress.ip_address(str(address).strip())
    except ValueError:
        raise PkiError("ip_addresses: %r is not a valid IPv4 or IPv6 address" % (address,))


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class LeafSpec(object):
    """A validated request for a leaf certificate; every bad input raises PkiError."""

    def __init__(self, common_name, organizations=None, dns_names=None, ip_addresses=None,
                 usage="server", key_type="ecdsa-p256", valid_days=365, renew_before_days=30):
        self.common_name = validate_name_value(common_name, "common_name")
        self.organizations = [validate_name_value(o, "organizations") for o in (organizations or [])]
        self.dns_names = sorted(set(validate_dns_name(n) for n in (dns_names or [])))
        self.ip_addresses = sorted(set(validate_ip(a) for a in (ip_addresses or [])),
                                   key=lambda a: (a.version, int(a)))
        if usage not in USAGES:
            raise PkiError("usage %r: use one of %s" % (usage, ", ".join(USAGES)))
        self.usage = usage
        self.key_type = check_key_type(key_type)
        self.valid_days = int(valid_days)
        self.renew_before_days = int(renew_before_days)
        if self.valid_days < 1:
            raise PkiError("valid_days must be at least 1, not %d" % self.valid_days)
        if not 0 <= self.renew_before_days < self.valid_days:
            raise PkiError("renew_before_days (%d) must be at least 0 and less than valid_days (%d), "
                           "or every run would reissue the certificate" % (self.renew_before_days, self.valid_days))

    def subject(self):
        return _name(self.common_name, self.organizations)

    def sans(self):
        """The SANs as the strings certificate_sans returns."""
        return set(["DNS:" + n for n in self.dns_names] + ["IP:" + str(a) for a in self.ip_addresses])

    def extended_key_usages(self):
        wanted = {"server": [ExtendedKeyUsageOID.SERVER_AUTH], "client": [ExtendedKeyUsageOID.CLIENT_AUTH],
                  "both": [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]}
        return wanted[self.usage]


def _name(common_name, organizations):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
                     + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


# ---------------------------------------------------------------- what is at hand

def parse_certificate(data):
    """The PEM certificate in data, or None when data holds none."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        return None


def _extension(cert, cls):
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def certificate_sans(cert):
    """SANs as strings: DNS:name (lower case), IP:address, other:... for any other kind."""
    san = _extension(cert, x509.SubjectAlternativeName)
    result = set()
    for general_name in (san or []):
        if isinstance(general_name, x509.DNSName):
            result.add("DNS:" + general_name.value.lower())
        elif isinstance(general_name, x509.IPAddress):
            result.add("IP:" + str(general_name.value))
        else:
            result.add("other:" + repr(general_name.value))
    return result


def is_ca(cert):
    constraints = _extension(cert, x509.BasicConstraints)
    return bool(constraints and constraints.ca)


def _subject_parts(name):
    common_names = [a.value for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    organizations = sorted(a.value for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    others = [a for a in name if a.oid not in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)]
    return common_names, organizations, others


def same_subject(name, common_name, organizations):
    """Whether name is exactly this CN and this multiset of O, nothing else."""
    common_names, current_organizations, others = _subject_parts(name)
    return common_names == [common_name] and current_organizations == sorted(organizations) and not others


def is_rotated_subject(name, common_name, organizations):
    """Whether name is this CN with the time a CA rotation made it (<CN>-YYYYMMDDTHHMMSSZ), and this O."""
    common_names, current_organizations, others = _subject_parts(name)
    return (len(common_names) == 1 and re.match(re.escape(common_name) + r"-[0-9]{8}T[0-9]{6}Z$", common_names[0])
            is not None and current_organizations == sorted(organizations) and not others)


def _key_usage(public_key, ca):
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=is_rsa(public_key) and not ca,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)


def _usage_matches(cert, spec):
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is None or constraints.ca:
        return False
    eku = _extension(cert, x509.ExtendedKeyUsage)
    if eku is None or set(eku) != set(spec.extended_key_usages()):
        return False
    # Key usage follows the key actually certified: a key type change is reported as key_type.
    return _extension(cert, x509.KeyUsage) == _key_usage(cert.public_key(), ca=False)


def _key_identifier(ca_cert):
    ski = _extension(ca_cert, x509.SubjectKeyIdentifier)
    return ski.digest if ski is not None else x509.SubjectKeyIdentifier.from_public_key(ca_cert.public_key()).digest


def issued_by(cert, ca_cert):
    """Whether ca_cert issued cert: issuer name, authority key identifier and signature."""
    if cert.issuer != ca_cert.subject:
        return False
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    if aki is None or aki.key_identifier != _key_identifier(ca_cert):
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def leaf_reissue_reasons(cert_state, cert, key, spec, ca_cert, now, force=False, regenerate_key=False):
    """Why the leaf at hand must be reissued, in REASONS order; an empty list when it need not be.

    cert_state is "missing", "unparsable" or "ok" (then cert is the parsed certificate);
    key is the parsed private key, or None when it is missing or unusable.
    """
    if cert_state in ("missing", "unparsable"):
        reasons = [cert_state]
    else:
        reasons = []
        if key is None:
            reasons.append("key_missing")
        else:
            if not same_public_key(key, cert.public_key()):
                reasons.append("key_mismatch")
            if key_type_of(key) != spec.key_type:
                reasons.append("key_type")
        if not same_subject(cert.subject, spec.common_name, spec.organizations):
            reasons.append("subject")
        if certificate_sans(cert) != spec.sans():
            reasons.append("sans")
        if not _usage_matches(cert, spec):
            reasons.append("usage")
        if not issued_by(cert, ca_cert):
            reasons.append("issuer")
        if now >= not_after(cert) - datetime.timedelta(days=spec.renew_before_days):
            reasons.append("expiring")
    if force:
        reasons.append("forced")
    if regenerate_key:
        reasons.append("regenerate_key")
    return reasons


# ---------------------------------------------------------------- issuing

def _signature_hash(private_key):
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and private_key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def issue_leaf(spec, key, ca_cert, ca_key, now):
    """A new leaf for key, signed by the CA. Refuses a leaf that would outlive its CA."""
    start, end = now - CLOCK_SKEW, now + datetime.timedelta(days=spec.valid_days)
    ca_end = not_after(ca_cert)
    if end > ca_end:
        raise PkiError(
            "leaf would expire after its CA: a %d-day certificate for %s would end on %s, but the CA %s ends on %s; "
            "lower valid_days or renew the CA"
            % (spec.valid_days, spec.common_name, iso8601(end), ca_cert.subject.rfc4514_string(), iso8601(ca_end)))
    public = key.public_key()
    builder = (x509.CertificateBuilder()
               .subject_name(spec.subject())
               .issuer_name(ca_cert.subject)
               .public_key(public)
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(public, ca=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage(spec.extended_key_usages()), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier(_key_identifier(ca_cert), None, None), critical=False))
    names = [x509.DNSName(n) for n in spec.dns_names] + [x509.IPAddress(a) for a in spec.ip_addresses]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, _signature_hash(ca_key))


def issue_ca(common_name, organizations, key, valid_days, now):
    """A self-signed CA certificate for key: CA:TRUE, path length 0."""
    common_name = validate_name_value(common_name, "common_name")
    organizations = [validate_name_value(o, "organizations") for o in (organizations or [])]
    if int(valid_days) < 1:
        raise PkiError("valid_days must be at least 1, not %d" % int(valid_days))
    name = _name(common_name, organizations)
    public = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public)
    return (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + datetime.timedelta(days=int(valid_days)))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(public, ca=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier(ski.digest, None, None), critical=False)
            .sign(key, _signature_hash(key)))


def certificate_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def facts(cert):
    """What results and diffs show of a certificate: parsed facts, never PEM or key bytes."""
    if cert is None:
        return {}
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "sans": sorted(certificate_sans(cert)),
        "key_type": key_type_of(cert.public_key()),
        "not_before": iso8601(not_before(cert)),
        "not_after": iso8601(not_after(cert)),
        "fingerprint": colon_hex(cert.fingerprint(hashes.SHA256())),
    }
