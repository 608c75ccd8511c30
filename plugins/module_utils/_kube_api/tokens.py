# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a rotation of the service-account signing key needs from the apiservers: the key id of a
public key, of a token, which keys an apiserver publishes, a token minted and reviewed through
one, and the legacy token Secrets. Standard library only (the nodes may lack cryptography).

A token is never returned, logged or put into a message: messages pass through scrub()."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import hashlib
import json
import re

from urllib.parse import quote

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError

JWKS_PATH = "/openid/v1/jwks"
# The only representation the apiserver serves there.
JWKS_MEDIA_TYPE = "application/jwk-set+json"
TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
LEGACY_TOKEN_TYPE = "kubernetes.io/service-account-token"
# The shortest expirationSeconds a TokenRequest may ask for.
MIN_TOKEN_SECONDS = 600

_PEM_BLOCK = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----(?P<body>.*?)-----END (?P<end>[A-Z0-9 ]+)-----",
                        re.DOTALL)
_BASE64_BODY = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
# Anything shaped like a JWS in compact form (a JWT's header always starts with eyJ, '{"').
_JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_SEQUENCE, _BIT_STRING = 0x30, 0x03


def _der_element(der, offset):
    """(tag, start of contents, end) of the DER element at offset; ValueError when truncated."""
    if offset + 2 > len(der):
        raise ValueError("truncated")
    tag, length = der[offset], der[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7f
        if count == 0 or count > 4 or start + count > len(der):
            raise ValueError("bad length")
        length = int(binascii.hexlify(der[start:start + count]), 16)
        start += count
    if start + length > len(der):
        raise ValueError("truncated")
    return tag, start, start + length


def _is_subject_public_key_info(der):
    """SEQUENCE { SEQUENCE algorithm, BIT STRING key } and nothing after it."""
    try:
        tag, start, end = _der_element(der, 0)
        if tag != _SEQUENCE or end != len(der):
            return False
        tag, _start, after = _der_element(der, start)
        if tag != _SEQUENCE:
            return False
        tag, _start, after = _der_element(der, after)
        return tag == _BIT_STRING and after == end
    except ValueError:
        return False


def public_key_der(pem):
    """The DER SubjectPublicKeyInfo of a PEM holding exactly one PUBLIC KEY block and nothing else."""
    text = (pem or "").strip()
    blocks = list(_PEM_BLOCK.finditer(text))
    labels = [b.group("label") for b in blocks]
    if labels != ["PUBLIC KEY"] or blocks[0].group("end") != "PUBLIC KEY":
        raise KubeApiError("is not exactly one PEM PUBLIC KEY block (SubjectPublicKeyInfo, as "
                           "'openssl pkey -pubout' writes it); found %s"
                           % (", ".join("BEGIN %s" % label for label in labels) or "no PEM block"))
    if blocks[0].span() != (0, len(text)):
        raise KubeApiError("holds text besides its PEM PUBLIC KEY block")
    body = "".join(blocks[0].group("body").split())
    if not _BASE64_BODY.match(body) or len(body) % 4:
        raise KubeApiError("is a PEM PUBLIC KEY block whose body is not base64")
    der = base64.b64decode(body)
    if not _is_subject_public_key_info(der):
        raise KubeApiError("is a PEM PUBLIC KEY block that does not hold a DER SubjectPublicKeyInfo")
    return der


def public_key_id(pem):
    """The key id Kubernetes gives a public key (k8s.io/kubernetes pkg/serviceaccount, keyIDFromPublicKey):
    base64url without padding of the SHA-256 of its DER SubjectPublicKeyInfo. Go re-encodes the
    key, which gives the same bytes for the canonical DER every PEM writer emits."""
    digest = hashlib.sha256(public_key_der(pem)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_key_id(token):
    """The kid of a JWT's header; a KubeApiError (without the token) when it has none or is not a JWT."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise KubeApiError("the token is not a JWT (three dot-separated parts)")
    segment = token.split(".", 1)[0]
    try:
        raw = base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
        header = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        raise KubeApiError("the token's header is not base64url JSON")
    kid = header.get("kid") if isinstance(header, dict) else None
    if not isinstance(kid, str) or not kid:
        raise KubeApiError("the token's header names no key id (kid)")
    return kid


def scrub(text, tokens=()):
    """text with every token of tokens, and anything shaped like a JWT, replaced by <token>."""
    text = str(text)
    for token in tokens:
        if token:
            text = text.replace(token, "<token>")
    return _JWT_LIKE.sub("<token>", text)


def key_label(kid, trusted_ids, signing_id):
    """A key id as the messages name it: 'kid (trusted key 2, the signing key)'."""
    names = []
    if kid in trusted_ids:
        names.append("trusted key %d" % (trusted_ids.index(kid) + 1))
    if kid == signing_id:
        names.append("the signing key")
    return "%s (%s)" % (kid, ", ".join(names) or "none of the given keys")


def key_labels(kids, trusted_ids, signing_id):
    """Several key ids as the messages name them: the trusted ones in their order, then the others sorted."""
    def order(kid):
        return (trusted_ids.index(kid) if kid in trusted_ids else len(trusted_ids), kid)
    return ", ".join(key_label(kid, trusted_ids, signing_id) for kid in sorted(set(kids), key=order)) or "no keys"


def published_key_ids(client):
    """The key ids of the keys an apiserver publishes at /openid/v1/jwks."""
    jwks = client.request("GET", JWKS_PATH, accept=JWKS_MEDIA_TYPE)
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) and isinstance(k.get("kid"), str) for k in keys):
        raise KubeApiError("GET %s: the answer is not a JSON Web Key Set whose keys all have a kid" % JWKS_PATH)
    return set(k["kid"] for k in keys)


def token_request_path(namespace, service_account):
    """The TokenRequest path of a service account."""
    return "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (
        quote(namespace, safe=""), quote(service_account, safe=""))


def mint(client, namespace, service_account, seconds):
    """A token of the service account, signed by the apiserver of client."""
    path = token_request_path(namespace, service_account)
    answer = client.request("POST", path, body={
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"expirationSeconds": seconds}})
    token = (answer.get("status") or {}).get("token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise KubeApiError("POST %s: the answer holds no status.token" % path)
    return token


def review(client, token):
    """The status of a TokenReview of token by the apiserver of client."""
    answer = client.request("POST", TOKEN_REVIEW_PATH, body={
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}})
    status = answer.get("status") if isinstance(answer, dict) else None
    return status if isinstance(status, dict) else {}


def _secret_token_key_id(secret):
    value = (secret.get("data") or {}).get("token")
    if not value:
        return None
    try:
        return token_key_id(base64.b64decode(value, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, KubeApiError):
        return None


def legacy_tokens(client, page=500):
    """Every Secret of type kubernetes.io/service-account-token, as {namespace, name, key_id}
    (key_id None when it holds no readable token). Paged; the tokens themselves are dropped."""
    found = []
    query = {"fieldSelector": "type=%s" % LEGACY_TOKEN_TYPE, "limit": page}
    while True:
        listing = client.request("GET", "/api/v1/secrets", query=query)
        for item in listing.get("items") or []:
            meta = item.get("metadata") or {}
            found.append({"namespace": meta.get("namespace"), "name": meta.get("name"),
                          "key_id": _secret_token_key_id(item)})
        more = (listing.get("metadata") or {}).get("continue")
        if not more:
            return found
        query = dict(query, **{"continue": more})
