# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private keys: generating, parsing, serialising and comparing them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

# The key types every PKI module accepts, in the spelling of their key_type option.
KEY_TYPES = ("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096")
RSA_KEY_TYPES = ("rsa-2048", "rsa-3072", "rsa-4096")
_CURVES = {"secp256r1": "ecdsa-p256", "secp384r1": "ecdsa-p384"}


def check_key_type(key_type):
    """Returns key_type when it is one of KEY_TYPES, raises PkiError otherwise."""
    if key_type not in KEY_TYPES:
        raise PkiError("unknown key type %r: use one of %s" % (key_type, ", ".join(KEY_TYPES)))
    return key_type


def generate_key(key_type):
    """A new private key of one of KEY_TYPES."""
    check_key_type(key_type)
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[len("rsa-"):]))


def key_type_of(key):
    """The KEY_TYPES spelling of a private or public key; another description for other keys."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return _CURVES.get(key.curve.name, "ecdsa-" + key.curve.name)
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "rsa-%d" % key.key_size
    return type(key).__name__


def is_rsa(key):
    return isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey))


def parse_private_key(data):
    """The unencrypted PEM private key in data, or None when data holds no such key."""
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        # ValueError: not PEM or not a key; TypeError: encrypted.
        return None


def parse_public_key(data):
    """The PEM public key in data, or None when data holds no such key."""
    try:
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        return None


def private_key_pem(key):
    """PKCS#8 PEM, unencrypted: only ever written to a 0600 file."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key):
    """SubjectPublicKeyInfo PEM of a private or public key."""
    return _public(key).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _public(key):
    return key.public_key() if hasattr(key, "private_bytes") else key


def _spki(key):
    return _public(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def same_public_key(first, second):
    """Whether two keys, private or public, share their public key."""
    return _spki(first) == _spki(second)


def public_key_fingerprint(key):
    """SHA-256 of the DER SubjectPublicKeyInfo, colon-separated hexadecimal: safe to show."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(_spki(key))
    return colon_hex(digest.finalize())


def colon_hex(data):
    return ":".join("%02x" % octet for octet in bytearray(data))
