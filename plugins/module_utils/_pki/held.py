# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host holds of the cluster's identity, as digests only: the CA certificates it trusts,
the service-account key and the encryption keys. Nothing secret is ever returned.

Runs on the nodes with the standard library only; a private key (on the controller) needs
cryptography.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import errno
import hashlib
import re

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    HAS_CRYPTOGRAPHY, parse_private_key, public_key_pem)

KINDS = ("certificate", "public_key", "private_key", "encryption_key", "encryption_config")
# Providers whose keys are secrets; identity and kms hold none.
KEYED_PROVIDERS = ("aescbc", "aesgcm", "secretbox")
_PROVIDER = re.compile(r"^\s*-\s+(?P<provider>aescbc|aesgcm|secretbox|identity|kms)\s*:")
_KEY_FIELD = re.compile(r"^\s*(?P<dash>-\s+)?(?P<field>name|secret)\s*:\s*(?P<value>.*?)\s*$")
_COMMENT = re.compile(r"\s+#.*$")
_SECRET_ANYWHERE = re.compile(r"""["']?\bsecret["']?\s*:""")
_PEM = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----(?P<body>[A-Za-z0-9+/=\s]*?)-----END (?P=label)-----")


class HeldError(Exception):
    """A file is there but cannot be read as what it should be."""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pem_ders(text, label):
    """The DER bytes of every PEM block with this label, in order."""
    return [base64.b64decode("".join(m.group("body").split()))
            for m in _PEM.finditer(text) if m.group("label") == label]


def certificate_digests(text):
    """SHA-256 of the DER of each certificate in a PEM file (a trust bundle holds several)."""
    ders = pem_ders(text, "CERTIFICATE")
    if not ders:
        raise HeldError("holds no PEM certificate")
    return [sha256(der) for der in ders]


def public_key_digest(text):
    """SHA-256 of the DER SubjectPublicKeyInfo of a PEM public key."""
    ders = pem_ders(text, "PUBLIC KEY")
    if len(ders) != 1:
        raise HeldError("is not one PEM public key (SubjectPublicKeyInfo)")
    return sha256(ders[0])


def public_key_digests(text):
    """SHA-256 of each public key in a PEM file (the apiservers trust several during a rotation)."""
    ders = pem_ders(text, "PUBLIC KEY")
    if not ders:
        raise HeldError("holds no PEM public key (SubjectPublicKeyInfo)")
    return [sha256(der) for der in ders]


def private_key_digest(text):
    """The public_key_digest of a private key's public half; the private key is never returned."""
    if not HAS_CRYPTOGRAPHY:
        raise HeldError("cannot be read without the cryptography Python package")
    key = parse_private_key(text.encode("utf-8"))
    if key is None:
        raise HeldError("is not an unencrypted PEM private key")
    return public_key_digest(public_key_pem(key).decode("ascii"))


def encryption_key_digest(value):
    """SHA-256 of a base64 key as the apiserver decodes it; of the text itself when it is not base64."""
    value = value.strip()
    try:
        return sha256(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return sha256(value.encode("utf-8"))


def _unquote(value):
    value = _COMMENT.sub("", value)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def encryption_providers(text):
    """The providers of an EncryptionConfiguration in order, each with its keys' names and digests.

    Reads the block YAML the kube_apiserver role writes. Anything it cannot account for (a
    provider without keys, a key without name or secret, a secret outside a key) fails rather
    than be taken for an empty configuration.
    """
    providers, key = [], None
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    for line in lines:
        found = _PROVIDER.match(line)
        if found:
            providers.append({"provider": found.group("provider"), "keys": []})
            key = None
            continue
        field = _KEY_FIELD.match(line)
        if not field or not providers or providers[-1]["provider"] not in KEYED_PROVIDERS:
            continue
        if field.group("dash") or key is None:
            key = {}
            providers[-1]["keys"].append(key)
        value = _unquote(field.group("value"))
        key[field.group("field")] = encryption_key_digest(value) if field.group("field") == "secret" else value
    if not providers:
        raise HeldError("holds no encryption provider")
    keys = [k for p in providers for k in p["keys"]]
    secrets = sum(len(_SECRET_ANYWHERE.findall(line)) for line in lines)
    if (any(not p["keys"] for p in providers if p["provider"] in KEYED_PROVIDERS)
            or any(set(k) != {"name", "secret"} for k in keys) or secrets != len(keys)):
        raise HeldError("has keys that cannot be read (each key needs a name and a secret, in block YAML)")
    return [{"provider": p["provider"],
             "keys": [{"name": k["name"], "sha256": k["secret"]} for k in p["keys"]]} for p in providers]


_READERS = {
    "certificate": lambda text: {"sha256": certificate_digests(text)},
    "public_key": lambda text: {"sha256": public_key_digests(text)},
    "private_key": lambda text: {"sha256": [private_key_digest(text)]},
    "encryption_key": lambda text: {"sha256": [encryption_key_digest(text)]},
    "encryption_config": lambda text: {"providers": encryption_providers(text)},
}


def read_held(name, path, kind):
    """One file's entry: name, path, kind, exists, and sha256 (a list) or providers, or error."""
    entry = {"name": name, "path": path, "kind": kind, "exists": False}
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):  # the host holds nothing there
            return entry
        entry.update(exists=True, error="cannot be opened (%s)" % exc.strerror)
        return entry
    entry["exists"] = True
    try:
        entry.update(_READERS[kind](data.decode("utf-8")))
    except UnicodeDecodeError:
        entry["error"] = "is not text"
    except HeldError as exc:
        entry["error"] = str(exc)
    return entry
