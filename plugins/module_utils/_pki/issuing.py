# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When each PKI object is created or reissued, and the writing of its files: one function per module.

create_ca_once (x509_ca) creates a CA once and never replaces it; issue_leaf_when_due
(x509_certificate, x509_certificates) issues a leaf when certificate.leaf_reissue_reasons gives a
reason, keeping its key unless the key cannot serve; create_service_account_key_once
(service_account_key) creates the token-signing key once and keeps its public half in step;
load_signing_ca reads and checks the CA a leaf is signed with. Each decides from the files'
content, issues in memory, and writes through a PkiFiles, which skips the writes in check mode:
``changed`` is computed the same way in both modes. Results and diffs carry parsed facts only,
never PEM or key bytes. Anything that cannot be done as asked raises PkiError, and nothing has
been written by then unless the message says so.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.kthw.control_plane.plugins.module_utils._pki import certificate as certs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    generate_key, key_type_of, parse_private_key, parse_public_key, private_key_pem, public_key_fingerprint,
    public_key_pem, same_public_key)


def _certificate_result(changed, reasons, before_cert, after_cert, warnings=None):
    before, after = certs.facts(before_cert), certs.facts(after_cert)
    result = dict(changed=changed, changed_reasons=reasons, diff=dict(before=before, after=after),
                  warnings=warnings or [])
    for name in ("subject", "issuer", "serial", "sans", "not_before", "not_after", "fingerprint"):
        result[name] = after.get(name)
    return result


def _read_private_key(files, path):
    """(data, key): data None when missing; key None when missing or not an unencrypted PEM key."""
    data = files.read(path) if path else None
    return data, (parse_private_key(data) if data is not None else None)


def load_signing_ca(files, ca_path, ca_key_path, need_key=True):
    """The CA certificate and key (None when not needed and absent), or a PkiError saying what is wrong."""
    data = files.read(ca_path)
    if data is None:
        raise PkiError("the CA certificate %s does not exist: create the CA first (kthw.control_plane.x509_ca)"
                       % ca_path)
    cert = certs.parse_certificate(data)
    if cert is None:
        raise PkiError("the CA certificate %s is not a PEM certificate" % ca_path)
    if not certs.is_ca(cert):
        raise PkiError("%s is not a CA certificate (basicConstraints CA:TRUE is missing)" % ca_path)
    key_data, key = _read_private_key(files, ca_key_path)
    if key_data is None:
        if need_key:
            raise PkiError(
                "the CA %s has no private key at %s: issuing a certificate needs the CA private key. "
                "An external CA signs its leaves itself; this module never creates a CA in its place"
                % (ca_path, ca_key_path))
        return cert, None
    if key is None:
        raise PkiError("the CA key %s is not an unencrypted PEM private key" % ca_key_path)
    if not same_public_key(key, cert.public_key()):
        raise PkiError("the CA key %s does not match the CA certificate %s" % (ca_key_path, ca_path))
    return cert, key


def create_ca_once(files, path, key_path, common_name, organizations, key_type, valid_days, external, now=None):
    """Creates a CA once. An existing CA is never replaced: damage or a mismatch is an error, not a reason."""
    now = now or certs.utcnow()
    cert_data = files.read(path)
    if external:
        if cert_data is None:
            raise PkiError("the external CA certificate %s does not exist: put the CA's certificate there; "
                           "an external CA is never created" % path)
        cert, _key = load_signing_ca(files, path, key_path, need_key=False)
        return _settle_attributes(files, _certificate_result(False, [], cert, cert), path, key_path)

    key_data, key = _read_private_key(files, key_path)
    if cert_data is not None:
        if key_data is None:
            raise PkiError(
                "external CA: the CA certificate %s exists but its key %s does not. Provide the key (restore it "
                "from a backup), or set external=true for a CA whose key is kept elsewhere; a CA is never "
                "regenerated over an existing certificate" % (path, key_path))
        cert, key = load_signing_ca(files, path, key_path)
        warnings = []
        # A CA that kthw.control_plane.rotate_ca made carries the time after the name.
        if not (certs.same_subject(cert.subject, common_name, organizations or [])
                or certs.is_rotated_subject(cert.subject, common_name, organizations or [])):
            warnings.append("the CA %s keeps its subject %s: a CA is never reissued to change it"
                            % (path, cert.subject.rfc4514_string()))
        if key_type_of(key) != key_type:
            warnings.append("the CA key %s stays %s: a CA key is never replaced to change its type"
                            % (key_path, key_type_of(key)))
        return _settle_attributes(files, _certificate_result(False, [], cert, cert, warnings), path, key_path)

    reasons = ["missing"]
    warnings = []
    if key_data is not None:
        if key is None:
            raise PkiError("the CA key %s is not an unencrypted PEM private key; it is never overwritten" % key_path)
        if key_type_of(key) != key_type:
            warnings.append("the CA certificate is issued for the existing key %s, which is %s, not %s"
                            % (key_path, key_type_of(key), key_type))
    else:
        reasons.append("key_missing")
        key = generate_key(key_type)
    cert = certs.issue_ca(common_name, organizations, key, valid_days, now)
    if key_data is None:
        files.write(key_path, private_key_pem(key), private=True)
    files.write(path, certs.certificate_pem(cert), private=False)
    return _settle_attributes(files, _certificate_result(True, reasons, None, cert, warnings), path, key_path)


def issue_leaf_when_due(files, path, key_path, ca_path, ca_key_path, spec, force=False, regenerate_key=False, now=None):
    """Issues a leaf when leaf_reissue_reasons gives a reason; keeps the key unless it cannot serve."""
    now = now or certs.utcnow()
    ca_cert, ca_key = load_signing_ca(files, ca_path, ca_key_path)
    cert_data = files.read(path)
    cert = certs.parse_certificate(cert_data) if cert_data is not None else None
    state = "missing" if cert_data is None else ("unparsable" if cert is None else "ok")
    _key_data, key = _read_private_key(files, key_path)
    reasons = certs.leaf_reissue_reasons(state, cert, key, spec, ca_cert, now, force, regenerate_key)
    if not reasons:
        return _settle_attributes(files, _certificate_result(False, [], cert, cert), path, key_path)
    new_key = key is None or regenerate_key or key_type_of(key) != spec.key_type
    if new_key:
        key = generate_key(spec.key_type)
    new_cert = certs.issue_leaf(spec, key, ca_cert, ca_key, now)
    if new_key:
        files.write(key_path, private_key_pem(key), private=True)
    files.write(path, certs.certificate_pem(new_cert), private=False)
    return _settle_attributes(files, _certificate_result(True, reasons, cert, new_cert), path, key_path)


def create_service_account_key_once(files, path, public_key_path, key_type):
    """Creates the token-signing key once; keeps its public half in step with it.

    Reasons: missing (the private key was created), public_key_missing, public_key_mismatch
    (the public key file is not a PEM public key, or not this key's).
    """
    key_data, key = _read_private_key(files, path)
    reasons, warnings = [], []
    if key_data is not None and key is None:
        raise PkiError("%s is not an unencrypted PEM private key. It is never overwritten: every token it signed "
                       "would stop working. Restore it from a backup" % path)
    if key is None:
        reasons.append("missing")
        key = generate_key(key_type)
    elif key_type_of(key) != key_type:
        warnings.append("the service-account key %s stays %s: it is never replaced to change its type"
                        % (path, key_type_of(key)))
    public_data = files.read(public_key_path)
    if public_data is None:
        reasons.append("public_key_missing")
    else:
        public = parse_public_key(public_data)
        if public is None or not same_public_key(public, key):
            reasons.append("public_key_mismatch")
    if "missing" in reasons:
        files.write(path, private_key_pem(key), private=True)
    if "public_key_missing" in reasons or "public_key_mismatch" in reasons:
        files.write(public_key_path, public_key_pem(key), private=False)

    after = dict(key_type=key_type_of(key), public_key_fingerprint=public_key_fingerprint(key))
    before = {} if "missing" in reasons else dict(after)
    if public_data is None:
        before.pop("public_key_fingerprint", None)
    elif "public_key_mismatch" in reasons:
        public = parse_public_key(public_data)
        before["public_key_fingerprint"] = public_key_fingerprint(public) if public is not None else None
    result = dict(changed=bool(reasons), changed_reasons=reasons, diff=dict(before=before, after=after),
                  warnings=warnings)
    result.update(after)
    return _settle_attributes(files, result, public_key_path, path)


def _settle_attributes(files, result, public_path, private_path):
    """Applies owner, group and modes; a difference there also makes the result changed."""
    changed = files.settle(public_path, False, result["changed"])
    if private_path:
        changed = files.settle(private_path, True, changed)
    result["changed"] = changed
    return result
