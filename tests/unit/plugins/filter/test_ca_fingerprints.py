# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ca_fingerprints: the SHA-256 fingerprint of each certificate file, as the PKI modules report it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib

import pytest
from ansible.errors import AnsibleFilterError
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.kthw.control_plane.plugins.filter.ca_fingerprints import ca_fingerprints
from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def cas(tmp_path):
    written = {}
    for name in ("kubernetes", "kubernetes-next"):
        cert = certs.issue_ca(name, [], generate_key("ecdsa-p256"), 3650, NOW)
        (tmp_path / (name + ".crt")).write_bytes(certs.certificate_pem(cert))
        written[str(tmp_path / (name + ".crt"))] = cert
    return written


def test_each_file_gets_the_sha256_of_its_certificate(cas):
    fingerprints = ca_fingerprints(list(cas))
    for path, cert in cas.items():
        digest = hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest().upper()
        assert fingerprints[path].replace(":", "").upper() == digest
    assert len(set(fingerprints.values())) == 2


def test_a_missing_file_fails_unless_missing_is_ok(cas, tmp_path):
    missing = str(tmp_path / "etcd.crt")
    with pytest.raises(AnsibleFilterError, match="cannot read .*etcd.crt"):
        ca_fingerprints(list(cas) + [missing])
    assert sorted(ca_fingerprints(list(cas) + [missing], missing_ok=True)) == sorted(cas)


def test_a_file_that_is_no_certificate_says_so(tmp_path):
    (tmp_path / "ca.crt").write_text("not a certificate\n")
    with pytest.raises(AnsibleFilterError, match="ca.crt is not a PEM certificate"):
        ca_fingerprints([str(tmp_path / "ca.crt")])
