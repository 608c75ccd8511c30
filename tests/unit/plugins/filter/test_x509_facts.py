# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""x509_facts: the PKI modules' own facts of a certificate, plus the days left, for reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.x509_facts import FilterModule, x509_facts
from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def pems():
    ca_key, leaf_key = generate_key("ecdsa-p256"), generate_key("ecdsa-p256")
    ca = certs.issue_ca("unit-ca", [], ca_key, 3650, NOW)
    leaf = certs.issue_leaf(certs.LeafSpec("cp1", ["kthw:nodes"], dns_names=["cp1", "Localhost"],
                                           ip_addresses=["172.31.250.11", "127.0.0.1"], usage="both"),
                            leaf_key, ca, ca_key, NOW)
    return dict(ca=certs.certificate_pem(ca).decode("ascii"), leaf=certs.certificate_pem(leaf).decode("ascii"),
                leaf_cert=leaf)


def test_the_facts_are_the_pki_modules_facts_plus_the_days_left(pems):
    result = x509_facts(pems["leaf"], now="2026-11-23T12:00:00Z")
    assert dict((k, v) for k, v in result.items() if k != "days_left") == certs.facts(pems["leaf_cert"])
    assert result["days_left"] == 365
    assert result["sans"] == ["DNS:cp1", "DNS:localhost", "IP:127.0.0.1", "IP:172.31.250.11"]
    assert result["subject"] == "CN=cp1,O=kthw:nodes" and result["issuer"] == "CN=unit-ca"
    assert result["not_after"] == "2027-11-23T12:00:00Z" and result["key_type"] == "ecdsa-p256"


def test_what_the_reports_read_is_there(pems):
    # roles/pki (report.yml, plan.yml, certificates-report.txt.j2) and molecule/ha read these.
    result = x509_facts(pems["ca"])
    assert set(["subject", "issuer", "serial", "not_after", "days_left"]) <= set(result)
    assert result["sans"] == []


@pytest.mark.parametrize("now, days_left", [
    ("2026-11-23T12:00:00Z", 365),
    ("2026-11-23T12:00:00+00:00", 365),
    ("2026-11-23T12:00:00", 365),                 # no offset: UTC
    ("2026-11-23T14:00:00+02:00", 365),           # the same moment elsewhere
    ("2027-11-22T12:00:00Z", 1),
    ("2027-11-23T11:59:59Z", 0),                  # less than a day left
    ("2027-11-23T12:00:01Z", -1),                 # expired
    ("2028-11-22T12:00:00Z", -365),
])
def test_days_left_count_whole_days_from_now(pems, now, days_left):
    assert x509_facts(pems["leaf"], now=now)["days_left"] == days_left


def test_without_now_the_days_count_from_the_clock(pems):
    assert 364 <= x509_facts(pems["ca"])["days_left"] <= 3650


@pytest.mark.parametrize("pem, now, message", [
    ("not a certificate", None, "not a PEM certificate"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", None, "not a PEM certificate"),
    (None, None, "not a PEM certificate"),
    ("leaf", "yesterday", "now 'yesterday' is not an ISO 8601 time"),
])
def test_bad_input_fails_clearly(pems, pem, now, message):
    with pytest.raises(AnsibleFilterError, match=message):
        x509_facts(pems.get(pem, pem), now=now)


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"x509_facts": x509_facts}
