# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decides and carries out what the PKI modules do. Check mode decides the same
way and only skips the writes. Results never carry key material."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os

from ansible_collections.kthw.control_plane.plugins.module_utils._files.private import write_private
from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    HAS_CRYPTOGRAPHY, generate_key, key_type_of, load_private_key, private_key_pem, public_key_pem, same_public_key)

if not HAS_CRYPTOGRAPHY:
    # The modules turn this into missing_required_lib('cryptography').
    raise ImportError("the cryptography Python package is required")


def _result(changed, reasons, before, after):
    result = dict(changed=changed, changed_reasons=reasons,
                  diff=dict(before=before, after=after))
    result.update((k, after.get(k)) for k in ("serial", "not_before", "not_after", "fingerprint", "subject"))
    return result


def load_ca(cert_path, key_path, need_key=True):
    """The CA certificate and key, or a PkiError saying what is wrong with them."""
    state, cert = certs.load_certificate(cert_path)
    if state == "missing":
        raise PkiError("the CA certificate %s does not exist: issue the CA first" % cert_path)
    if state == "unparsable":
        raise PkiError("the CA certificate %s is not a PEM certificate" % cert_path)
    if not certs.is_ca(cert):
        raise PkiError("%s is not a CA certificate (basicConstraints CA:FALSE)" % cert_path)
    key = None
    if need_key:
        if not key_path or not os.path.exists(key_path):
            raise PkiError(
                "the CA %s has no private key at %s (an external CA?): issuing leaves needs the CA key; "
                "this module never creates a CA in its place" % (cert_path, key_path))
        key = load_private_key(key_path)
        if key is None:
            raise PkiError("the CA key %s is not an unencrypted PEM private key" % key_path)
        if not same_public_key(key, cert.public_key()):
            raise PkiError("the CA key %s does not match the CA certificate %s" % (key_path, cert_path))
    return cert, key


def ensure_ca(path, key_path, common_name, organizations, key_type, valid_days, external, check_mode, now=None):
    """A CA is created once and never replaced: a mismatch or damage is an error, not a reason."""
    now = now or certs.utcnow()
    cert_exists, key_exists = os.path.exists(path), os.path.exists(key_path or "")
    if cert_exists and (key_exists or external):
        cert, _key = load_ca(path, key_path, need_key=not external)
        warnings = []
        if certs._common_name(cert.subject) != common_name:
            warnings.append("the CA %s keeps its subject %s; a CA is never reissued to change it"
                            % (path, cert.subject.rfc4514_string()))
        result = _result(False, [], certs.facts(cert), certs.facts(cert))
        result["warnings"] = warnings
        return result
    if cert_exists:
        raise PkiError(
            "the CA certificate %s exists without its key %s: restore the key from a backup, or set "
            "external=true for a CA whose key is kept elsewhere. It is never regenerated." % (path, key_path))
    reasons = ["missing"]
    key = None
    if key_exists:
        key = load_private_key(key_path)
        if key is None:
            raise PkiError("the CA key %s is not an unencrypted PEM private key; it is never overwritten" % key_path)
    new_key = key is None
    key = key or generate_key(key_type)
    cert = certs.issue_ca(common_name, organizations, key, valid_days, now)
    if not check_mode:
        if new_key:
            write_private(key_path, private_key_pem(key))
        write_private(path, certs.certificate_pem(cert))
    return _result(True, reasons, {}, certs.facts(cert))


def ensure_leaf(path, key_path, ca_path, ca_key_path, spec, force, regenerate_key, check_mode, now=None):
    now = now or certs.utcnow()
    ca_cert, ca_key = load_ca(ca_path, ca_key_path)
    state, cert = certs.load_certificate(path)
    key = load_private_key(key_path)
    reasons = certs.leaf_reissue_reasons(state, cert, key, spec, ca_cert, now)
    if force and not reasons:
        reasons.append("forced")
    before = certs.facts(cert)
    if not reasons:
        return _result(False, [], before, before)
    new_key = key is None or regenerate_key or key_type_of(key) != spec.key_type
    if new_key:
        key = generate_key(spec.key_type)
    new_cert = certs.issue_leaf(spec, key, ca_cert, ca_key, now)
    if not check_mode:
        if new_key:
            write_private(key_path, private_key_pem(key))
        write_private(path, certs.certificate_pem(new_cert))
    return _result(True, reasons, before, certs.facts(new_cert))


def ensure_service_account_key(path, public_key_path, key_type, check_mode):
    """The token-signing key is created once; its public half is kept in step with it."""
    reasons = []
    key = load_private_key(path)
    if key is None and os.path.exists(path):
        raise PkiError("%s is not an unencrypted PEM private key; it is never overwritten: restore it from a backup" % path)
    if key is None:
        key = generate_key(key_type)
        reasons.append("missing")
    public = public_key_pem(key)
    current_public = None
    if os.path.exists(public_key_path):
        with open(public_key_path, "rb") as handle:
            current_public = handle.read()
    if current_public != public:
        reasons.append("public_key")
    if not check_mode:
        if "missing" in reasons:
            write_private(path, private_key_pem(key))
        if "public_key" in reasons:
            write_private(public_key_path, public)
    info = {"key_type": key_type_of(key), "public_key_sha256": _sha256(public)}
    before = {} if "missing" in reasons else info
    return dict(changed=bool(reasons), changed_reasons=reasons, key_type=info["key_type"],
                public_key_sha256=info["public_key_sha256"], diff=dict(before=before, after=info))


def _sha256(data):
    return hashlib.sha256(data).hexdigest()
