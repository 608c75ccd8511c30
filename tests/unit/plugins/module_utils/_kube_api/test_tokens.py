"""The logic of a service-account signing-key rotation: the key id of a public key and of a
token, the wait on every apiserver to publish and sign with the keys, the cross review of each
one's tokens by every other, the legacy token Secrets; and that no token ever leaves the module."""

import base64
import hashlib
import json
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api import client as client_module
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api import tokens
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.modules import kube_service_account_keys_loaded as module
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_clock import Clock

# A P-256 public key and its kid, computed apart from the code under test with
# openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
FIXED_PEM = """-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE49vSCKGM6+UIRL5ymGqfgGAkyzd/
/I8fWIhdf1slDI35OFEomIE2xhSepiA7AfCOFk7WIJPntbPHR9t9VIkqGw==
-----END PUBLIC KEY-----
"""
FIXED_KID = "T3ZvTk9nvmIyYlNZtG0LRh1Wh3d-32rVLXXRFZtyEFc"
USER = "system:serviceaccount:kube-system:default"


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def expected_kid(key):
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(header):
    """A compact JWS with a random payload and signature: unique, and shaped like a real token."""
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps({"jti": b64url(os.urandom(9))}).encode()),
                     b64url(os.urandom(64))])


@pytest.fixture(scope="module")
def keys():
    """Three P-256 keys: (pem, kid) each."""
    made = [ec.generate_private_key(ec.SECP256R1()) for unused in range(3)]
    return [(public_pem(k), expected_kid(k)) for k in made]


# The key id of a public key

def test_the_key_id_of_an_rsa_key_is_base64url_of_the_sha256_of_its_der():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = tokens.public_key_id(public_pem(key))
    assert kid == expected_kid(key)
    assert len(kid) == 43 and "=" not in kid


def test_the_key_id_of_an_ec_key_matches_openssl():
    assert tokens.public_key_id(FIXED_PEM) == FIXED_KID
    # Line breaks and surrounding blank space do not change it.
    assert tokens.public_key_id("\n  " + FIXED_PEM.replace("\n", "\r\n") + "\n\n") == FIXED_KID


def _private_pem():
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


@pytest.mark.parametrize("pem, reason", [
    ("", "found no PEM block"),
    ("not a key", "found no PEM block"),
    (_private_pem(), "found BEGIN PRIVATE KEY"),
    (FIXED_PEM + FIXED_PEM, "found BEGIN PUBLIC KEY, BEGIN PUBLIC KEY"),
    (FIXED_PEM.replace("PUBLIC KEY", "RSA PUBLIC KEY"), "found BEGIN RSA PUBLIC KEY"),
    (FIXED_PEM.replace("END PUBLIC KEY", "END PRIVATE KEY"), "is not exactly one PEM PUBLIC KEY block"),
    ("Public-Key: (256 bit)\n" + FIXED_PEM, "holds text besides"),
    (FIXED_PEM.replace("MFkw", "M!kw"), "body is not base64"),
    # Valid base64 that is not a SubjectPublicKeyInfo: a truncated key and a lone INTEGER.
    (FIXED_PEM.replace("VIkqGw==", ""), "does not hold a DER SubjectPublicKeyInfo"),
    ("-----BEGIN PUBLIC KEY-----\nAgEB\n-----END PUBLIC KEY-----\n", "does not hold a DER SubjectPublicKeyInfo"),
])
def test_anything_but_one_public_key_block_is_refused(pem, reason):
    with pytest.raises(KubeApiError, match=reason):
        tokens.public_key_id(pem)


# The key id of a token

@pytest.mark.parametrize("kid", ["a", "ab", "abc", FIXED_KID])
def test_a_tokens_key_id_is_read_from_its_header_whatever_its_padding(kid):
    token = jwt({"alg": "ES256", "kid": kid})
    assert tokens.token_key_id(token) == kid


@pytest.mark.parametrize("token, reason", [
    ("only.two", "not a JWT"),
    ("head.body.signature.more", "not a JWT"),
    ("!!!." + jwt({"kid": "x"}).split(".", 1)[1], "not base64url JSON"),
    (b64url(b"[1, 2]") + ".e30.sig", "names no key id"),
    (jwt({"alg": "RS256"}), "names no key id"),
    (jwt({"alg": "RS256", "kid": ""}), "names no key id"),
    (b64url(b"not json") + ".e30.sig", "not base64url JSON"),
])
def test_a_token_without_a_readable_key_id_is_refused_without_showing_it(token, reason):
    with pytest.raises(KubeApiError, match=reason) as failure:
        tokens.token_key_id(token)
    assert token not in str(failure.value) and token.split(".")[0] not in str(failure.value)


def test_scrub_hides_given_tokens_and_anything_shaped_like_a_jwt():
    token = jwt({"kid": "k"})
    assert tokens.scrub("invalid bearer token %s, really" % token) == "invalid bearer token <token>, really"
    assert tokens.scrub("x opaque-secret y", ["opaque-secret"]) == "x <token> y"
    assert tokens.scrub(KubeApiError("no token here")) == "no token here"


def test_a_key_is_named_by_its_place_among_the_given_keys():
    trusted = ["old", "new"]
    assert tokens.key_label("old", trusted, "new") == "old (trusted key 1)"
    assert tokens.key_label("new", trusted, "new") == "new (trusted key 2, the signing key)"
    assert tokens.key_label("other", trusted, "new") == "other (none of the given keys)"
    # The given keys in their order, then the others sorted.
    assert tokens.key_labels(set(["new", "b", "old", "a"]), trusted, "new") == \
        "old (trusted key 1), new (trusted key 2, the signing key), a (none of the given keys), b (none of the given keys)"
    assert tokens.key_labels(set(), trusted, "new") == "no keys"


# The wait, the cross review and the legacy tokens, against fake apiservers

class Apiserver(object):
    """One apiserver: publishes the key ids of states[n] and signs with its signing kid on round n
    (the last state stays); an Exception as a state fails that round. Authenticates a token whose
    kid it publishes, unless refuse; then it answers with an error that quotes the token. Raises
    review_error, when set, on a TokenReview."""

    def __init__(self, *states, **options):
        self.states = list(states)
        self.refuse = options.get("refuse", False)
        self.review_error = None
        self.username = options.get("username", USER)
        self.secrets = options.get("secrets", [])
        self.minted, self.requests = [], []
        self.state = None

    def request(self, method, path, query=None, body=None, accept="application/json"):
        self.requests.append((method, path, query))
        if path == tokens.JWKS_PATH:
            # The apiserver answers 406 to any other Accept there.
            assert accept == "application/jwk-set+json"
            self.state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
            if isinstance(self.state, Exception):
                raise self.state
            return {"keys": [{"kty": "EC", "kid": kid, "use": "sig"} for kid in self.state[0]]}
        if method == "POST" and path == "/api/v1/namespaces/kube-system/serviceaccounts/default/token":
            assert body == {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                            "spec": {"expirationSeconds": 600}}
            token = jwt({"alg": "ES256", "kid": self.state[1]})
            self.minted.append(token)
            return {"kind": "TokenRequest", "status": {"token": token, "expirationTimestamp": "2026-01-01T00:10:00Z"}}
        if method == "POST" and path == tokens.TOKEN_REVIEW_PATH:
            assert body["apiVersion"] == "authentication.k8s.io/v1" and body["kind"] == "TokenReview"
            token = body["spec"]["token"]
            if self.review_error:
                raise self.review_error
            if self.refuse or tokens.token_key_id(token) not in self.state[0]:
                return {"status": {"authenticated": False, "error": "[invalid bearer token %s, crypto/ecdsa: "
                                                                    "verification error]" % token}}
            return {"status": {"authenticated": True, "user": {"username": self.username, "uid": "u"}}}
        if method == "GET" and path == "/api/v1/secrets":
            assert query["fieldSelector"] == "type=kubernetes.io/service-account-token"
            if isinstance(self.secrets, Exception):
                raise self.secrets
            start = int(query.get("continue", 0))
            more = start + query["limit"] < len(self.secrets)
            return {"kind": "SecretList", "metadata": {"continue": str(start + query["limit"]) if more else ""},
                    "items": self.secrets[start:start + query["limit"]]}
        raise AssertionError("unexpected %s %s" % (method, path))

    def close(self):
        pass


def minted_tokens(clients):
    return [token for client in clients.values() for token in client.minted]


def test_the_wait_ends_when_every_apiserver_publishes_the_keys_and_signs_with_the_new_one(keys):
    old, new = keys[0][1], keys[1][1]
    clock = Clock()
    clients = {"https://a:6443": Apiserver(([old, new], new)),
               "https://b:6443": Apiserver(([old], old), KubeApiError("connection refused"), ([new, old], new))}
    waited, published, minted = module.wait_keys(clients, [old, new], new, 60, sleep=clock.sleep, clock=clock)
    assert waited == {"https://a:6443": 0.0, "https://b:6443": 4.0}
    assert published == {"https://a:6443": sorted([old, new]), "https://b:6443": sorted([old, new])}
    # The token kept is the one minted in the round that satisfied each, and a satisfied
    # apiserver is asked no more.
    assert minted == {"https://a:6443": clients["https://a:6443"].minted[-1],
                      "https://b:6443": clients["https://b:6443"].minted[-1]}
    assert len(clients["https://a:6443"].minted) == 1 and len(clients["https://b:6443"].minted) == 2
    assert clock.slept == [2, 2]


def test_publishing_more_keys_than_trusted_or_signing_with_the_old_key_is_not_enough(keys):
    old, new, stray = keys[0][1], keys[1][1], keys[2][1]
    clock = Clock()
    clients = {"https://a:6443": Apiserver(([old, new, stray], new), ([old, new], old), ([old, new], new))}
    waited = module.wait_keys(clients, [old, new], new, 60, sleep=clock.sleep, clock=clock)[0]
    assert waited == {"https://a:6443": 4.0}


def test_the_wait_names_every_late_apiserver_what_it_runs_and_what_is_expected(keys):
    old, new, stray = keys[0][1], keys[1][1], keys[2][1]
    clock = Clock()
    clients = {"https://a:6443": Apiserver(([old, new], new)),
               "https://b:6443": Apiserver(([old, stray], old)),
               "https://c:6443": Apiserver(([old], old), KubeApiError("connection refused"))}
    with pytest.raises(KubeApiError) as failure:
        module.wait_keys(clients, [old, new], new, 10, sleep=clock.sleep, clock=clock)
    message = str(failure.value)
    assert message.startswith("after 10 s not every apiserver publishes exactly the trusted keys")
    assert ("https://b:6443 publishes %s (trusted key 1), %s (none of the given keys) and signs with %s "
            "(trusted key 1);" % (old, stray, old)) in message
    # c first published the old key, then failed: the last reason is the one given.
    assert "https://c:6443 cannot read its keys: connection refused." in message
    assert "https://a:6443" not in message
    assert ("Expected: publishes %s (trusted key 1), %s (trusted key 2, the signing key) and signs with %s "
            "(trusted key 2, the signing key)" % (old, new, new)) in message
    assert not any(token in message for token in minted_tokens(clients))


def test_a_token_without_a_key_id_keeps_the_apiserver_late_without_showing_the_token(keys):
    new = keys[1][1]
    clock = Clock()
    client = Apiserver(([new], ""))
    with pytest.raises(KubeApiError) as failure:
        module.wait_keys({"https://a:6443": client}, [new], new, 3, sleep=clock.sleep, clock=clock)
    assert "but mints no readable token: the token's header names no key id" in str(failure.value)
    assert client.minted and not any(token in str(failure.value) for token in client.minted)


def test_every_apiserver_reviews_every_token(keys):
    old, new = keys[0][1], keys[1][1]
    clients = dict(("https://%s:6443" % n, Apiserver(([old, new], new))) for n in "abc")
    minted = module.wait_keys(clients, [old, new], new, 0)[2]
    assert module.cross_review(clients, minted, "kube-system", "default") == 9
    reviewed = [(url, path) for url, c in clients.items() for method, path, query in c.requests
                if path == tokens.TOKEN_REVIEW_PATH]
    assert len(reviewed) == 9 and set(url for url, path in reviewed) == set(clients)


def test_the_review_fails_naming_each_apiserver_that_does_not_authenticate_a_token(keys):
    old, new = keys[0][1], keys[1][1]
    clients = dict(("https://%s:6443" % n, Apiserver(([old, new], new))) for n in "abc")
    minted = module.wait_keys(clients, [old, new], new, 0)[2]
    clients["https://c:6443"].refuse = True
    with pytest.raises(KubeApiError) as failure:
        module.cross_review(clients, minted, "kube-system", "default")
    message = str(failure.value)
    assert message.startswith("3 of 9 TokenReviews did not authenticate the token as %s" % USER)
    for minter in clients:
        assert ("the token minted through %s, reviewed by https://c:6443: not authenticated: [invalid bearer "
                "token <token>, crypto/ecdsa: verification error]" % minter) in message
    assert "reviewed by https://a:6443" not in message and "reviewed by https://b:6443" not in message
    assert not any(token in message for token in minted_tokens(clients))


def test_the_review_fails_on_another_user_and_on_an_error(keys):
    new = keys[1][1]
    clients = {"https://a:6443": Apiserver(([new], new)), "https://b:6443": Apiserver(([new], new))}
    minted = module.wait_keys(clients, [new], new, 0)[2]
    clients["https://b:6443"].username = "system:anonymous"
    clients["https://a:6443"].review_error = KubeApiError("forbidden")
    with pytest.raises(KubeApiError) as failure:
        module.cross_review(clients, minted, "kube-system", "default")
    message = str(failure.value)
    assert "minted through https://a:6443, reviewed by https://b:6443: authenticated as system:anonymous" in message
    assert "minted through https://b:6443, reviewed by https://a:6443: forbidden" in message
    assert message.startswith("4 of 4 ")


def secret(name, token=None, namespace="ns"):
    item = {"metadata": {"name": name, "namespace": namespace}, "type": "kubernetes.io/service-account-token"}
    if token is not None:
        item["data"] = {"token": base64.b64encode(token.encode()).decode(), "ca.crt": "eA=="}
    return item


def test_legacy_tokens_are_listed_across_pages_with_the_key_that_signed_them_and_never_their_value(keys):
    old, new = keys[0][1], keys[1][1]
    values = [jwt({"alg": "RS256", "kid": old}), jwt({"alg": "RS256", "kid": new}), jwt({"alg": "RS256"})]
    secrets = [secret("t0", values[0]), secret("t1", values[1]), secret("t2", values[2]), secret("t3"),
               secret("t4", "not a jwt"), dict(secret("t5"), data={"token": "!!!"})]
    client = Apiserver(([old], old), secrets=secrets)
    found = tokens.legacy_tokens(client, page=4)
    assert found == [{"namespace": "ns", "name": "t0", "key_id": old}, {"namespace": "ns", "name": "t1", "key_id": new},
                     {"namespace": "ns", "name": "t2", "key_id": None}, {"namespace": "ns", "name": "t3", "key_id": None},
                     {"namespace": "ns", "name": "t4", "key_id": None}, {"namespace": "ns", "name": "t5", "key_id": None}]
    assert [query for method, path, query in client.requests] == [
        {"fieldSelector": "type=kubernetes.io/service-account-token", "limit": 4},
        {"fieldSelector": "type=kubernetes.io/service-account-token", "limit": 4, "continue": "4"}]
    text = json.dumps(found)
    assert not any(value in text or value.split(".")[1] in text for value in values)


# The module

def module_args(keys, **changes):
    args = dict(api_urls=["https://a:6443", "https://b:6443"], trusted_public_keys=[keys[0][0], keys[1][0]],
                signing_public_key=keys[1][0], ca_data="CA", client_cert_data="CERT", client_key_data="client key pem")
    args.update(changes)
    return args


@pytest.fixture
def fleet(monkeypatch):
    """Stands in for KubeClient: fleet[url] is the Apiserver the module reaches at url."""
    servers = {}

    class FakeClient(object):
        # The real way of making one client per URL, with this stand-in for each.
        each_apiserver = classmethod(client_module.KubeClient.each_apiserver.__func__)

        def __new__(cls, url, **options):
            assert options == dict(ca_data="CA", client_cert_data="CERT", client_key_data="client key pem", timeout=30)
            return servers[url]

    monkeypatch.setattr(module, "KubeClient", FakeClient)
    return servers


def test_check_mode_only_computes_the_key_ids(keys, fleet, run_module):
    result = run_module(module, module_args(keys), check_mode=True)
    result.pop("invocation")
    assert result == {"changed": False, "key_ids": [keys[0][1], keys[1][1]], "signing_key_id": keys[1][1],
                      "warnings": []}


def test_the_module_gates_reviews_and_lists_without_returning_a_token(keys, fleet, run_module):
    old, new = keys[0][1], keys[1][1]
    legacy = jwt({"alg": "RS256", "kid": old})
    fleet["https://a:6443"] = Apiserver(([old, new], new), secrets=[secret("legacy", legacy, "kube-system")])
    fleet["https://b:6443"] = Apiserver(([old, new], new))
    result = run_module(module, module_args(keys, legacy_tokens=True))
    assert not result.get("failed") and result["changed"] is False, result
    assert result["key_ids"] == [old, new] and result["signing_key_id"] == new
    assert result["published"] == {"https://a:6443": sorted([old, new]), "https://b:6443": sorted([old, new])}
    assert set(result["waited_s"]) == set(fleet) and result["reviews"] == 4
    assert result["legacy_tokens"] == [{"namespace": "kube-system", "name": "legacy", "key_id": old}]
    text = json.dumps(result)
    assert not any(token in text for token in minted_tokens(fleet) + [legacy])


def test_without_legacy_tokens_no_secret_is_listed(keys, fleet, run_module):
    new = keys[1][1]
    fleet["https://a:6443"] = Apiserver(([keys[0][1], new], new))
    fleet["https://b:6443"] = Apiserver(([keys[0][1], new], new))
    result = run_module(module, module_args(keys))
    assert "legacy_tokens" not in result and result["reviews"] == 4
    assert not any(path == "/api/v1/secrets" for method, path, query in fleet["https://a:6443"].requests)


def test_a_failed_review_fails_the_module_without_showing_the_token(keys, fleet, run_module):
    old, new = keys[0][1], keys[1][1]
    fleet["https://a:6443"] = Apiserver(([old, new], new))
    fleet["https://b:6443"] = Apiserver(([old, new], new), refuse=True)
    result = run_module(module, module_args(keys))
    assert result["failed"] and "2 of 4 TokenReviews did not authenticate" in result["msg"]
    assert "reviewed by https://b:6443: not authenticated: [invalid bearer token <token>" in result["msg"]
    assert result["key_ids"] == [old, new] and "reviews" not in result
    text = json.dumps(result)
    assert minted_tokens(fleet) and not any(token in text for token in minted_tokens(fleet))


def test_a_late_apiserver_fails_the_module_naming_it(keys, fleet, run_module):
    old, new = keys[0][1], keys[1][1]
    fleet["https://a:6443"] = Apiserver(([old, new], new))
    fleet["https://b:6443"] = Apiserver(([old], old))
    result = run_module(module, module_args(keys, wait_timeout=0))
    assert result["failed"] and "https://b:6443 publishes %s (trusted key 1) and signs with %s (trusted key 1)" % (
        old, old) in result["msg"]
    assert not any(token in json.dumps(result) for token in minted_tokens(fleet))


def test_an_error_quoting_a_token_fails_the_module_without_showing_it(keys, fleet, run_module):
    old, new = keys[0][1], keys[1][1]
    quoted = jwt({"alg": "RS256", "kid": old})
    fleet["https://a:6443"] = Apiserver(([old, new], new), secrets=KubeApiError("cannot list: %s" % quoted))
    fleet["https://b:6443"] = Apiserver(([old, new], new))
    result = run_module(module, module_args(keys, legacy_tokens=True))
    assert result["failed"] and result["msg"] == "cannot list: <token>"
    assert quoted not in json.dumps(result)


@pytest.mark.parametrize("changes, message", [
    (dict(signing_public_key="-----BEGIN CERTIFICATE-----\nAgEB\n-----END CERTIFICATE-----"),
     "signing_public_key is not exactly one PEM PUBLIC KEY block"),
    (dict(trusted_public_keys=[FIXED_PEM, "garbage"]), "trusted_public_keys item 2 is not exactly one PEM PUBLIC KEY"),
    (dict(trusted_public_keys=[FIXED_PEM]), "signing_public_key (key id"),
    (dict(trusted_public_keys=[]), "trusted_public_keys must hold at least the signing key"),
    (dict(token_seconds=599), "token_seconds must be at least 600"),
])
def test_wrong_parameters_fail_before_any_request_even_in_check_mode(keys, fleet, run_module, changes, message):
    result = run_module(module, module_args(keys, **changes), check_mode=True)
    assert result["failed"] and message in result["msg"], result
    result = run_module(module, module_args(keys, **changes))
    assert result["failed"] and message in result["msg"], result


def test_an_apiserver_named_twice_is_refused_before_any_request(keys, fleet, run_module):
    fleet["https://a:6443"] = Apiserver(([keys[0][1]], keys[0][1]))
    result = run_module(module, module_args(keys, api_urls=["https://a:6443", "https://a:6443"]))
    assert result["failed"] and "api_urls must name each apiserver once" in result["msg"], result
    assert fleet["https://a:6443"].requests == []
