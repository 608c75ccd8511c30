"""Keys: every key type, parsing, comparing, and fingerprints that reveal nothing."""

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.kthw.control_plane.plugins.module_utils._pki import keys
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError


@pytest.mark.parametrize("key_type", keys.KEY_TYPES)
def test_each_key_type_round_trips(key_type):
    key = keys.generate_key(key_type)
    assert keys.key_type_of(key) == key_type
    assert keys.key_type_of(key.public_key()) == key_type
    pem = keys.private_key_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    again = keys.parse_private_key(pem)
    assert keys.same_public_key(again, key)
    assert keys.same_public_key(keys.parse_public_key(keys.public_key_pem(key)), key)


def test_unknown_key_type_is_refused():
    with pytest.raises(PkiError, match="unknown key type 'rsa-1024': use one of ecdsa-p256"):
        keys.generate_key("rsa-1024")


@pytest.mark.parametrize("data", [
    b"", b"garbage", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"])
def test_what_is_not_a_key_parses_to_none(data):
    assert keys.parse_private_key(data) is None
    assert keys.parse_public_key(data) is None


def test_an_encrypted_key_is_not_usable():
    key = keys.generate_key("ecdsa-p256")
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"secret"))
    assert keys.parse_private_key(encrypted) is None


def test_different_keys_differ_and_fingerprints_hide_the_key():
    first, second = keys.generate_key("ecdsa-p256"), keys.generate_key("ecdsa-p256")
    assert not keys.same_public_key(first, second)
    assert keys.same_public_key(first, first.public_key())
    fingerprint = keys.public_key_fingerprint(first)
    assert fingerprint == keys.public_key_fingerprint(first.public_key())
    assert fingerprint != keys.public_key_fingerprint(second)
    assert len(fingerprint.split(":")) == 32
