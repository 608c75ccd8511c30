#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kube_service_account_keys_loaded
short_description: Waits until every apiserver trusts and signs with the given service-account keys, and proves it with TokenReviews
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - Asks each apiserver of O(api_urls) directly (not through a load balancer) until it publishes
    exactly the keys of O(trusted_public_keys) at C(/openid/v1/jwks) and a token it mints for
    O(service_account) (a TokenRequest) names the key of O(signing_public_key) in its header.
  - Then has every apiserver review (a TokenReview) the token minted through each apiserver, which
    proves each one accepts what the others sign.
  - Keys are compared by the key id Kubernetes gives them (C(kid)) - base64url, without padding, of
    the SHA-256 of the DER SubjectPublicKeyInfo - computed with the Python standard library.
  - With O(legacy_tokens=true), also lists the Secrets of type C(kubernetes.io/service-account-token)
    with the key id each token was signed with.
  - The tokens minted expire after O(token_seconds); none is returned or logged, and neither is a
    legacy token.
options:
  trusted_public_keys:
    description:
      - The public keys (PEM, one C(PUBLIC KEY) block each) every apiserver is to publish, no more
        and no fewer; that is, the keys of its C(--service-account-key-file).
      - Messages name them V(trusted key 1), V(trusted key 2) and so on, in this order.
    type: list
    elements: str
    required: true
  signing_public_key:
    description:
      - The public key (PEM) of the key every apiserver is to sign tokens with (its
        C(--service-account-signing-key-file)).
      - Must be one of O(trusted_public_keys).
    type: str
    required: true
  wait_timeout:
    description: Seconds to wait for every apiserver to publish and sign with the keys.
    type: int
    default: 120
  namespace:
    description: Namespace of the service account the tokens are minted for.
    type: str
    default: kube-system
  service_account:
    description: The service account the tokens are minted for.
    type: str
    default: default
  token_seconds:
    description: Lifetime of each token minted, in seconds; the apiserver accepts no less than 600.
    type: int
    default: 600
  legacy_tokens:
    description: Whether to list the service-account token Secrets and the key each was signed with.
    type: bool
    default: false
extends_documentation_fragment:
  - kthw.control_plane.kube_api.apiservers
notes:
  - In check mode only computes the key ids; it does not reach the apiservers.
  - The client certificate must be allowed to read C(/openid/v1/jwks), to create tokens of
    O(service_account) and TokenReviews, and, with O(legacy_tokens=true), to list Secrets.
  - An apiserver reads its service-account key files when it starts.
seealso:
  - module: kthw.control_plane.service_account_key
  - module: kthw.control_plane.kube_encryption_loaded
"""

EXAMPLES = r"""
- name: Wait until every apiserver trusts the old and new keys and signs with the new one
  kthw.control_plane.kube_service_account_keys_loaded:
    api_urls: [https://10.0.0.11:6443, https://10.0.0.12:6443, https://10.0.0.13:6443]
    trusted_public_keys:
      - "{{ lookup('ansible.builtin.file', 'pki/service-account.pub') }}"
      - "{{ lookup('ansible.builtin.file', 'pki/service-account-next.pub') }}"
    signing_public_key: "{{ lookup('ansible.builtin.file', 'pki/service-account-next.pub') }}"
    legacy_tokens: true
    ca_data: "{{ lookup('ansible.builtin.file', 'pki/ca/kubernetes.crt') }}"
    client_cert_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.crt') }}"
    client_key_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.key') }}"
"""

RETURN = r"""
key_ids:
  description: The key id of each key of O(trusted_public_keys), in order.
  returned: always
  type: list
  elements: str
  sample: [0q7iD1Pv8N8sUyL2xw1q1m1bO2v0sTzH0Yk3ZcJ0n9E, Rk3pQ2bW6yJ1nTqzH4fV7xC0mA8sD5gL9uE2oI1kY6c]
signing_key_id:
  description: The key id of O(signing_public_key).
  returned: always
  type: str
  sample: Rk3pQ2bW6yJ1nTqzH4fV7xC0mA8sD5gL9uE2oI1kY6c
published:
  description: For each URL of O(api_urls), the key ids it publishes, sorted.
  returned: success
  type: dict
waited_s:
  description: For each URL of O(api_urls), seconds until it published and signed with the keys.
  returned: success
  type: dict
reviews:
  description: The TokenReviews that authenticated the token as the service account (the square of the number of URLs).
  returned: success
  type: int
  sample: 9
legacy_tokens:
  description:
    - Each Secret of type C(kubernetes.io/service-account-token), with C(namespace), C(name) and
      C(key_id), the key id its token was signed with (V(null) when it holds no readable token).
  returned: success and O(legacy_tokens=true)
  type: list
  elements: dict
  sample: [{namespace: kube-system, name: old-token, key_id: 0q7iD1Pv8N8sUyL2xw1q1m1bO2v0sTzH0Yk3ZcJ0n9E}]
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    APISERVERS_ARGUMENT_SPEC, KubeClient)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.tokens import (
    MIN_TOKEN_SECONDS, key_label, key_labels, legacy_tokens, mint, public_key_id, published_key_ids, review,
    scrub, token_key_id)


def wait_keys(clients, trusted_ids, signing_id, wait_timeout, namespace="kube-system", service_account="default",
              token_seconds=MIN_TOKEN_SECONDS, sleep=time.sleep, clock=time.monotonic):
    """(waited {url: seconds}, published {url: sorted key ids}, tokens {url: token}) once every
    apiserver publishes exactly trusted_ids and signs with signing_id; a KubeApiError naming the
    late ones otherwise. The tokens are for cross_review only."""
    started = clock()
    wanted = set(trusted_ids)
    waited, published, minted, seen = {}, {}, {}, {}
    while True:
        for url, client in clients.items():
            if url in waited:
                continue
            try:
                kids = published_key_ids(client)
            except KubeApiError as exc:
                seen[url] = "cannot read its keys: %s" % scrub(exc, minted.values())
                continue
            publishes = "publishes %s" % key_labels(kids, trusted_ids, signing_id)
            try:
                token = mint(client, namespace, service_account, token_seconds)
                kid = token_key_id(token)
            except KubeApiError as exc:
                seen[url] = "%s but mints no readable token: %s" % (publishes, scrub(exc, minted.values()))
                continue
            seen[url] = "%s and signs with %s" % (publishes, key_label(kid, trusted_ids, signing_id))
            if kids == wanted and kid == signing_id:
                waited[url] = round(clock() - started, 1)
                published[url] = sorted(kids)
                minted[url] = token
        if len(waited) == len(clients):
            return waited, published, minted
        if clock() - started > wait_timeout:
            late = "; ".join("%s %s" % (url, seen[url]) for url in clients if url not in waited)
            raise KubeApiError(
                "after %d s not every apiserver publishes exactly the trusted keys and signs with the signing key: "
                "%s. Expected: publishes %s and signs with %s. An apiserver reads its service-account key files "
                "(--service-account-key-file, --service-account-signing-key-file) when it starts"
                % (wait_timeout, late, key_labels(wanted, trusted_ids, signing_id),
                   key_label(signing_id, trusted_ids, signing_id)))
        sleep(2)


def cross_review(clients, minted, namespace, service_account):
    """Has every apiserver review the token minted through each; the number of reviews that
    authenticated it as the service account, or a KubeApiError naming each that did not."""
    user = "system:serviceaccount:%s:%s" % (namespace, service_account)
    tokens = list(minted.values())
    reviews, failures = 0, []
    for minter in clients:
        for reviewer, client in clients.items():
            where = "the token minted through %s, reviewed by %s" % (minter, reviewer)
            try:
                status = review(client, minted[minter])
            except KubeApiError as exc:
                failures.append("%s: %s" % (where, scrub(exc, tokens)))
                continue
            if status.get("authenticated") is not True:
                error = status.get("error")
                failures.append("%s: not authenticated%s" % (where, ": %s" % scrub(error, tokens) if error else ""))
            elif (status.get("user") or {}).get("username") != user:
                failures.append("%s: authenticated as %s, not %s"
                                % (where, scrub((status.get("user") or {}).get("username"), tokens), user))
            else:
                reviews += 1
    if failures:
        raise KubeApiError("%d of %d TokenReviews did not authenticate the token as %s: %s. Every apiserver must "
                           "trust the keys the others sign with (and accept their issuer and audiences)"
                           % (len(failures), len(clients) ** 2, user, "; ".join(failures)))
    return reviews


def main():
    module = AnsibleModule(
        argument_spec=dict(
            trusted_public_keys=dict(type="list", elements="str", required=True),
            signing_public_key=dict(type="str", required=True),
            wait_timeout=dict(type="int", default=120),
            namespace=dict(type="str", default="kube-system"),
            service_account=dict(type="str", default="default"),
            token_seconds=dict(type="int", default=MIN_TOKEN_SECONDS, no_log=False),
            legacy_tokens=dict(type="bool", default=False),
            **APISERVERS_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not p["trusted_public_keys"]:
        module.fail_json(msg="trusted_public_keys must hold at least the signing key")
    if p["token_seconds"] < MIN_TOKEN_SECONDS:
        module.fail_json(msg="token_seconds must be at least %d, the shortest token the apiserver mints; got %d"
                         % (MIN_TOKEN_SECONDS, p["token_seconds"]))
    trusted_ids = []
    for position, pem in enumerate(p["trusted_public_keys"], 1):
        try:
            trusted_ids.append(public_key_id(pem))
        except KubeApiError as exc:
            module.fail_json(msg="trusted_public_keys item %d %s" % (position, exc))
    try:
        signing_id = public_key_id(p["signing_public_key"])
    except KubeApiError as exc:
        module.fail_json(msg="signing_public_key %s" % exc, key_ids=trusted_ids)
    if signing_id not in trusted_ids:
        module.fail_json(msg="signing_public_key (key id %s) is not one of trusted_public_keys (%s): an apiserver "
                             "does not accept the tokens it signs with a key it does not trust"
                             % (signing_id, ", ".join(trusted_ids)), key_ids=trusted_ids, signing_key_id=signing_id)
    if module.check_mode:
        module.exit_json(changed=False, key_ids=trusted_ids, signing_key_id=signing_id)
    clients = {}
    result = dict(changed=False, key_ids=trusted_ids, signing_key_id=signing_id)
    try:
        clients = KubeClient.each_apiserver(p)
        waited, published, minted = wait_keys(
            clients, trusted_ids, signing_id, p["wait_timeout"], namespace=p["namespace"],
            service_account=p["service_account"], token_seconds=p["token_seconds"])
        result.update(waited_s=waited, published=published,
                      reviews=cross_review(clients, minted, p["namespace"], p["service_account"]))
        if p["legacy_tokens"]:
            result["legacy_tokens"] = legacy_tokens(clients[p["api_urls"][0]])
    except KubeApiError as exc:
        module.fail_json(msg=scrub(exc), key_ids=trusted_ids, signing_key_id=signing_id)
    finally:
        for client in clients.values():
            client.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
