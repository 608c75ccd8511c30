"""The leaf reissue decision, driven by a table of real certificates and keys, and the
validation of what is asked."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
BASE = dict(common_name="cp1", organizations=["kthw:nodes", "kthw:etcd"], dns_names=["cp1", "localhost"],
            ip_addresses=["172.31.250.11", "127.0.0.1"], usage="both", key_type="ecdsa-p256",
            valid_days=365, renew_before_days=30)


def spec(**changes):
    return certs.LeafSpec(**dict(BASE, **changes))


def make_ca(common_name="unit-ca", key_type="ecdsa-p256", valid_days=3650):
    key = generate_key(key_type)
    return certs.issue_ca(common_name, [], key, valid_days, NOW), key


@pytest.fixture(scope="module")
def world():
    """The CA, its leaf as asked by BASE, and the odd certificates the table needs."""
    ca_cert, ca_key = make_ca()
    leaf_key = generate_key("ecdsa-p256")
    leaf = certs.issue_leaf(spec(), leaf_key, ca_cert, ca_key, NOW)
    twin_cert, twin_key = make_ca()  # same subject as the CA, another key
    stranger_cert, stranger_key = make_ca("stranger-ca")

    def custom(**overrides):
        """BASE's leaf built by hand, with one part changed."""
        public = leaf_key.public_key()
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        parts = dict(
            subject=spec().subject(), issuer=ca_cert.subject, signer=ca_key,
            constraints=x509.BasicConstraints(ca=False, path_length=None),
            key_usage=x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            eku=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            aki=x509.AuthorityKeyIdentifier(ski.digest, None, None),
            sans=x509.SubjectAlternativeName([x509.DNSName("cp1"), x509.DNSName("localhost"),
                                              x509.IPAddress(spec().ip_addresses[0]),
                                              x509.IPAddress(spec().ip_addresses[1])]))
        parts.update(overrides)
        builder = (x509.CertificateBuilder().subject_name(parts["subject"]).issuer_name(parts["issuer"])
                   .public_key(public).serial_number(x509.random_serial_number())
                   .not_valid_before(NOW).not_valid_after(NOW + datetime.timedelta(days=365)))
        for name in ("constraints", "key_usage", "eku", "aki", "sans"):
            if parts[name] is not None:
                builder = builder.add_extension(parts[name], critical=name in ("constraints", "key_usage"))
        return builder.sign(parts["signer"], hashes.SHA256())

    return dict(
        ca=ca_cert, leaf=leaf, leaf_key=leaf_key,
        other_key=generate_key("ecdsa-p256"), rsa_key=generate_key("rsa-2048"),
        by_twin=certs.issue_leaf(spec(), leaf_key, twin_cert, twin_key, NOW),
        by_stranger=certs.issue_leaf(spec(), leaf_key, stranger_cert, stranger_key, NOW),
        forged=custom(signer=twin_key),
        no_aki=custom(aki=None),
        marked_ca=custom(constraints=x509.BasicConstraints(ca=True, path_length=None)),
        no_constraints=custom(constraints=None),
        no_eku=custom(eku=None),
        rsa_usage_on_ec=custom(key_usage=x509.KeyUsage(True, False, True, False, False, False, False, False, False)),
        extra_rdn=custom(subject=x509.Name(list(spec().subject()) + [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ops")])),
        email_san=custom(sans=x509.SubjectAlternativeName([
            x509.DNSName("cp1"), x509.DNSName("localhost"), x509.IPAddress(spec().ip_addresses[0]),
            x509.IPAddress(spec().ip_addresses[1]), x509.RFC822Name("ops@example.org")])),
    )


EXPIRY = NOW + datetime.timedelta(days=365)
WINDOW = EXPIRY - datetime.timedelta(days=30)
SECOND = datetime.timedelta(seconds=1)

# (case, certificate, key, what is asked, when, expected reasons)
TABLE = [
    ("as asked", "leaf", "leaf_key", {}, NOW, []),
    ("SAN order and case", "leaf", "leaf_key",
     dict(dns_names=["LOCALHOST", "cp1."], ip_addresses=["127.0.0.1", "172.31.250.11"]), NOW, []),
    ("organizations in another order", "leaf", "leaf_key", dict(organizations=["kthw:etcd", "kthw:nodes"]), NOW, []),
    ("a longer validity alone", "leaf", "leaf_key", dict(valid_days=700), NOW, []),
    ("a shorter renewal window alone", "leaf", "leaf_key", dict(renew_before_days=1), NOW, []),
    ("a second before the window", "leaf", "leaf_key", {}, WINDOW - SECOND, []),
    ("certificate missing", None, "leaf_key", {}, NOW, ["missing"]),
    ("certificate unparsable", "unparsable", "leaf_key", {}, NOW, ["unparsable"]),
    ("key missing or unusable", "leaf", None, {}, NOW, ["key_missing"]),
    ("another key of the same type", "leaf", "other_key", {}, NOW, ["key_mismatch"]),
    ("another key of another type", "leaf", "rsa_key", {}, NOW, ["key_mismatch", "key_type"]),
    ("another key type asked", "leaf", "leaf_key", dict(key_type="rsa-2048"), NOW, ["key_type"]),
    ("common name", "leaf", "leaf_key", dict(common_name="cp9"), NOW, ["subject"]),
    ("one organization less", "leaf", "leaf_key", dict(organizations=["kthw:nodes"]), NOW, ["subject"]),
    ("an organization twice", "leaf", "leaf_key",
     dict(organizations=["kthw:nodes", "kthw:etcd", "kthw:etcd"]), NOW, ["subject"]),
    ("an extra subject attribute", "extra_rdn", "leaf_key", {}, NOW, ["subject"]),
    ("one DNS name more", "leaf", "leaf_key", dict(dns_names=["cp1", "localhost", "lb"]), NOW, ["sans"]),
    ("one IP address less", "leaf", "leaf_key", dict(ip_addresses=["127.0.0.1"]), NOW, ["sans"]),
    ("an e-mail SAN not asked for", "email_san", "leaf_key", {}, NOW, ["sans"]),
    ("server only", "leaf", "leaf_key", dict(usage="server"), NOW, ["usage"]),
    ("client only", "leaf", "leaf_key", dict(usage="client"), NOW, ["usage"]),
    ("marked as a CA", "marked_ca", "leaf_key", {}, NOW, ["usage"]),
    ("no basic constraints", "no_constraints", "leaf_key", {}, NOW, ["usage"]),
    ("no extended key usage", "no_eku", "leaf_key", {}, NOW, ["usage"]),
    ("keyEncipherment on an EC key", "rsa_usage_on_ec", "leaf_key", {}, NOW, ["usage"]),
    ("issued by another CA", "by_stranger", "leaf_key", {}, NOW, ["issuer"]),
    ("same CA name, another CA key", "by_twin", "leaf_key", {}, NOW, ["issuer"]),
    ("CA's name and key id, forged signature", "forged", "leaf_key", {}, NOW, ["issuer"]),
    ("no authority key identifier", "no_aki", "leaf_key", {}, NOW, ["issuer"]),
    ("first second of the window", "leaf", "leaf_key", {}, WINDOW, ["expiring"]),
    ("expired", "leaf", "leaf_key", {}, EXPIRY + SECOND, ["expiring"]),
    ("wider window", "leaf", "leaf_key", dict(renew_before_days=364), NOW + datetime.timedelta(days=1), ["expiring"]),
    ("everything at once", "by_stranger", None, dict(common_name="x", dns_names=[], usage="server"),
     EXPIRY, ["key_missing", "subject", "sans", "usage", "issuer", "expiring"]),
]


@pytest.mark.parametrize("case, cert_name, key_name, changes, when, expected", TABLE, ids=[row[0] for row in TABLE])
def test_reissue_reasons(world, case, cert_name, key_name, changes, when, expected):
    state = {None: "missing", "unparsable": "unparsable"}.get(cert_name, "ok")
    cert = world[cert_name] if state == "ok" else None
    key = world[key_name] if key_name else None
    reasons = certs.leaf_reissue_reasons(state, cert, key, spec(**changes), world["ca"], when)
    assert reasons == expected, case
    assert reasons == sorted(reasons, key=certs.REASONS.index), "reasons keep the documented order"


@pytest.mark.parametrize("force, regenerate, extra", [
    (True, False, ["forced"]), (False, True, ["regenerate_key"]), (True, True, ["forced", "regenerate_key"])])
def test_force_and_regenerate_come_last(world, force, regenerate, extra):
    assert certs.leaf_reissue_reasons("ok", world["leaf"], world["leaf_key"], spec(), world["ca"], NOW,
                                      force, regenerate) == extra
    assert certs.leaf_reissue_reasons("ok", world["leaf"], None, spec(), world["ca"], NOW,
                                      force, regenerate) == ["key_missing"] + extra


def test_every_documented_reason_is_reachable():
    reached = set(reason for row in TABLE for reason in row[5]) | {"forced", "regenerate_key"}
    assert reached == set(certs.REASONS)


@pytest.mark.parametrize("bad, message", [
    (dict(common_name=""), "common_name must not be empty"),
    (dict(common_name="   "), "common_name must not be empty"),
    (dict(common_name=None), "common_name must not be empty"),
    (dict(common_name="x" * 65), "longer than the 64 characters"),
    (dict(organizations=[""]), "organizations must not be empty"),
    (dict(ip_addresses=["10.0.0.256"]), "'10.0.0.256' is not a valid IPv4 or IPv6 address"),
    (dict(ip_addresses=["cp1"]), "'cp1' is not a valid IPv4 or IPv6 address"),
    (dict(ip_addresses=["10.0.0.0/24"]), "is not a valid IPv4 or IPv6 address"),
    (dict(dns_names=["bad_name"]), "'bad_name' is not a valid DNS name"),
    (dict(dns_names=["-lead.example"]), "is not a valid DNS name"),
    (dict(dns_names=["a..b"]), "is not a valid DNS name"),
    (dict(dns_names=[""]), "is not a valid DNS name"),
    (dict(dns_names=["x" * 64 + ".example"]), "is not a valid DNS name"),
    (dict(dns_names=["*.example.org"]), "is a wildcard"),
    (dict(dns_names=["10.0.0.1"]), "is an IP address; put it in ip_addresses"),
    (dict(key_type="dsa-1024"), "unknown key type 'dsa-1024'"),
    (dict(key_type="ed25519"), "unknown key type"),
    (dict(usage="email"), "usage 'email'"),
    (dict(valid_days=0), "valid_days must be at least 1"),
    (dict(renew_before_days=365), r"renew_before_days \(365\) must be .* less than valid_days \(365\)"),
    (dict(renew_before_days=-1), "renew_before_days"),
])
def test_bad_input_is_refused_with_what_to_fix(bad, message):
    with pytest.raises(PkiError, match=message):
        spec(**bad)


def test_names_are_normalised():
    wanted = spec(dns_names=["CP1.Example.org.", "cp1.example.org"], ip_addresses=["::1", "0:0::1", "10.0.0.1"])
    assert wanted.dns_names == ["cp1.example.org"]
    assert [str(a) for a in wanted.ip_addresses] == ["10.0.0.1", "::1"]


def test_a_leaf_never_outlives_its_ca():
    ca_cert, ca_key = make_ca(valid_days=100)
    with pytest.raises(PkiError, match="leaf would expire after its CA.*lower valid_days or renew the CA"):
        certs.issue_leaf(spec(), generate_key("ecdsa-p256"), ca_cert, ca_key, NOW)
    # As long as the CA itself: allowed.
    assert certs.issue_leaf(spec(valid_days=100, renew_before_days=10), generate_key("ecdsa-p256"),
                            ca_cert, ca_key, NOW) is not None


@pytest.mark.parametrize("key_type, ca_key_type", [
    ("ecdsa-p256", "ecdsa-p256"), ("ecdsa-p384", "ecdsa-p384"), ("rsa-2048", "ecdsa-p256"), ("ecdsa-p256", "rsa-2048")])
def test_an_issued_leaf_carries_what_was_asked(key_type, ca_key_type):
    ca_cert, ca_key = make_ca(key_type=ca_key_type)
    key = generate_key(key_type)
    cert = certs.issue_leaf(spec(key_type=key_type), key, ca_cert, ca_key, NOW)
    ext = cert.extensions
    assert cert.subject.rfc4514_string() == "CN=cp1,O=kthw:etcd,O=kthw:nodes"
    assert certs.certificate_sans(cert) == {"DNS:cp1", "DNS:localhost", "IP:127.0.0.1", "IP:172.31.250.11"}
    constraints = ext.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert usage.value.key_encipherment == key_type.startswith("rsa")
    assert not usage.value.key_cert_sign
    assert set(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) == {
        ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert (ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
            == ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)
    assert ext.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest == \
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest
    assert 0 < cert.serial_number < 2 ** 159
    assert certs.not_before(cert) == NOW - certs.CLOCK_SKEW
    assert certs.not_after(cert) == NOW + datetime.timedelta(days=365)
    assert certs.issued_by(cert, ca_cert)
    assert certs.leaf_reissue_reasons("ok", cert, key, spec(key_type=key_type), ca_cert, NOW) == []


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "rsa-2048"])
def test_a_ca_is_a_ca(key_type):
    ca_cert, ca_key = make_ca(key_type=key_type)
    ext = ca_cert.extensions
    constraints = ext.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign and usage.value.digital_signature
    assert not usage.value.key_encipherment
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == ski
    ca_cert.verify_directly_issued_by(ca_cert)
    assert certs.is_ca(ca_cert)


def test_facts_are_parsed_facts_only(world):
    facts = certs.facts(world["leaf"])
    assert set(facts) == {"subject", "issuer", "serial", "sans", "key_type", "not_before", "not_after", "fingerprint"}
    assert facts["serial"] == format(world["leaf"].serial_number, "x")
    assert facts["not_after"] == "2027-11-23T12:00:00Z"
    assert facts["not_before"] == "2026-11-23T11:55:00Z"
    assert facts["fingerprint"] == ":".join("%02x" % b for b in world["leaf"].fingerprint(hashes.SHA256()))
    assert facts["key_type"] == "ecdsa-p256"
    assert certs.facts(None) == {}


def test_parse_certificate_refuses_anything_else():
    assert certs.parse_certificate(b"not a certificate") is None
    assert certs.parse_certificate(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") is None
