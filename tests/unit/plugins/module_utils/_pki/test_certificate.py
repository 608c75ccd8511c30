"""The reissue decision, driven by a table of real certificates and keys."""

import datetime

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def ca():
    key = generate_key("ecdsa-p256")
    return certs.issue_ca("test-ca", [], key, 3650, NOW), key


@pytest.fixture(scope="module")
def other_ca():
    key = generate_key("ecdsa-p256")
    return certs.issue_ca("other-ca", [], key, 3650, NOW), key


def spec(**changes):
    base = dict(common_name="cp1", organizations=["group"], dns_names=["cp1", "localhost"],
                ip_addresses=["172.31.250.11", "127.0.0.1"], usage="both", key_type="ecdsa-p256",
                valid_days=365, renew_before_days=30)
    base.update(changes)
    return certs.LeafSpec(**base)


def issued(ca, **changes):
    key = generate_key(changes.pop("key_type", "ecdsa-p256"))
    wanted = spec(**changes)
    return certs.issue_leaf(wanted, key, ca[0], ca[1], NOW), key


def test_identical_leaf_has_no_reason(ca):
    cert, key = issued(ca)
    assert certs.leaf_reissue_reasons("ok", cert, key, spec(), ca[0], NOW) == []


def test_sans_order_and_case_do_not_matter(ca):
    cert, key = issued(ca)
    wanted = spec(dns_names=["LOCALHOST", "cp1"], ip_addresses=["127.0.0.1", "172.31.250.11"])
    assert certs.leaf_reissue_reasons("ok", cert, key, wanted, ca[0], NOW) == []


@pytest.mark.parametrize("case, wanted, expected", [
    ("common name", dict(common_name="cp9"), ["subject"]),
    ("organizations", dict(organizations=["other"]), ["subject"]),
    ("one more DNS name", dict(dns_names=["cp1", "localhost", "lb"]), ["sans"]),
    ("one IP less", dict(ip_addresses=["127.0.0.1"]), ["sans"]),
    ("server only", dict(usage="server"), ["usage"]),
    ("client only", dict(usage="client"), ["usage"]),
    ("another key type", dict(key_type="rsa-2048"), ["key_type"]),
    ("longer validity alone", dict(valid_days=700), []),
])
def test_content_differences(ca, case, wanted, expected):
    cert, key = issued(ca)
    assert certs.leaf_reissue_reasons("ok", cert, key, spec(**wanted), ca[0], NOW) == expected, case


def test_missing_and_unparsable(ca):
    assert certs.leaf_reissue_reasons("missing", None, None, spec(), ca[0], NOW) == ["missing"]
    assert certs.leaf_reissue_reasons("unparsable", None, None, spec(), ca[0], NOW) == ["unparsable"]


def test_key_missing_and_key_mismatch(ca):
    cert, _key = issued(ca)
    assert certs.leaf_reissue_reasons("ok", cert, None, spec(), ca[0], NOW) == ["key_missing"]
    assert certs.leaf_reissue_reasons("ok", cert, generate_key("ecdsa-p256"), spec(), ca[0], NOW) == ["key_mismatch"]


def test_signed_by_another_ca(ca, other_ca):
    cert, key = issued(other_ca)
    assert certs.leaf_reissue_reasons("ok", cert, key, spec(), ca[0], NOW) == ["issuer"]


@pytest.mark.parametrize("days_later, expected", [(0, []), (334, []), (335, ["expiring"]), (400, ["expiring"])])
def test_renewal_window(ca, days_later, expected):
    cert, key = issued(ca)
    later = NOW + datetime.timedelta(days=days_later)
    assert certs.leaf_reissue_reasons("ok", cert, key, spec(), ca[0], later) == expected


def test_several_reasons_keep_their_order(ca, other_ca):
    cert, _key = issued(other_ca)
    reasons = certs.leaf_reissue_reasons("ok", cert, None, spec(common_name="x", usage="server"), ca[0], NOW)
    assert reasons == ["key_missing", "subject", "usage", "issuer"]


@pytest.mark.parametrize("bad, message", [
    (dict(common_name=""), "common_name must not be empty"),
    (dict(common_name="   "), "common_name must not be empty"),
    (dict(ip_addresses=["10.0.0.256"]), "not a valid IP address"),
    (dict(ip_addresses=["cp1"]), "not a valid IP address"),
    (dict(dns_names=["bad_name"]), "not a valid DNS name"),
    (dict(dns_names=["-lead.example"]), "not a valid DNS name"),
    (dict(key_type="dsa-1024"), "unknown key type"),
    (dict(usage="email"), "usage"),
    (dict(renew_before_days=400), "renew_before_days"),
])
def test_bad_input_is_refused_with_what_to_fix(bad, message):
    with pytest.raises(PkiError, match=message):
        spec(**bad)


def test_leaf_never_outlives_its_ca():
    key = generate_key("ecdsa-p256")
    short_ca = certs.issue_ca("short-ca", [], key, 100, NOW)
    with pytest.raises(PkiError, match="after its CA"):
        certs.issue_leaf(spec(), generate_key("ecdsa-p256"), short_ca, key, NOW)


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "ecdsa-p384", "rsa-2048"])
def test_issued_leaf_carries_what_was_asked(ca, key_type):
    cert, key = issued(ca, key_type=key_type)
    facts = certs.facts(cert)
    assert facts["subject"] == "CN=cp1,O=group"
    assert facts["sans"] == ["DNS:cp1", "DNS:localhost", "IP:127.0.0.1", "IP:172.31.250.11"]
    assert certs.signed_by(cert, ca[0])
    assert not certs.is_ca(cert)
    assert certs.leaf_reissue_reasons("ok", cert, key, spec(key_type=key_type), ca[0], NOW) == []
