"""Service-account signing key rotation (playbooks/rotate_service_account_key.yml), from the
results the side effect kept in service_account_rotation.json (tokens are never kept there, only
what each apiserver answered about them) and from the fleet itself: every node's key files and
every apiserver's published keys."""

import base64
import hashlib
import json
import os

import pytest
from fleet import ADDRESSES, APISERVER_PORT, EPHEMERAL, PKI_DIR, hosts_of, https_get, node

NODES = hosts_of("control_plane")
SERVERS = [f"https://{ADDRESSES[name]}:{APISERVER_PORT}" for name in NODES]
USER = "system:serviceaccount:default:kthw-sa-probe"


@pytest.fixture(scope="module")
def rotation():
    with open(os.path.join(EPHEMERAL, "service_account_rotation.json"), encoding="utf-8") as handle:
        return json.load(handle)


def words(text):
    return " ".join(text.split())


def pem_ders(text):
    blocks = text.split("-----BEGIN PUBLIC KEY-----")[1:]
    return [base64.b64decode("".join(block.split("-----END PUBLIC KEY-----")[0].split())) for block in blocks]


def key_id(public_file):
    """The kid Kubernetes gives a key: unpadded base64url of the SHA-256 of its DER SubjectPublicKeyInfo."""
    with open(os.path.join(PKI_DIR, public_file), encoding="ascii") as handle:
        (der,) = pem_ders(handle.read())
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def authenticated_everywhere(review):
    return {server: (answer["authenticated"], answer.get("username")) for server, answer in review["reviews"].items()}


def test_check_mode_lists_the_phases_and_records_nothing(rotation):
    check = rotation["check"]
    assert check["rc"] == 0 and not check["record_left"]
    plan = words(check["output"])
    assert "Would rotate the service-account signing key from sa1 to a new key sa2" in plan
    for phase in ("S1 every apiserver trusts the new key", "S2 every apiserver and controller-manager signs with it",
                  "S3 keep trusting sa1 until"):
        assert phase in plan, phase


def test_the_first_run_signs_with_the_new_key_and_keeps_the_old_trusted(rotation):
    signed = rotation["signed"]
    assert signed["rc"] == 0
    record = signed["record"]
    assert [k["name"] for k in record["ring"]] == ["sa2", "sa1"]
    assert record["rotation"]["phase"] == "signed"
    assert record["rotation"]["retire_after"] > record["rotation"]["signed"]
    assert f"sa1 stays trusted until {record['rotation']['retire_after']}" in words(signed["output"])


def test_a_token_minted_before_authenticates_everywhere_until_the_old_key_goes(rotation):
    everywhere = {server: (True, USER) for server in SERVERS}
    before_signed = rotation["reviews_signed"]["sa-token-before"]
    assert before_signed["key_id"] == key_id("service-account.pub")
    assert authenticated_everywhere(before_signed) == everywhere
    gone = rotation["reviews_finished"]["sa-token-before"]
    assert [answer["authenticated"] for answer in gone["reviews"].values()] == [False] * len(SERVERS)


def test_a_token_minted_after_is_signed_by_the_new_key_and_authenticates_everywhere(rotation):
    everywhere = {server: (True, USER) for server in SERVERS}
    for reviews in ("reviews_signed", "reviews_finished"):
        after = rotation[reviews]["sa-token-after"]
        assert after["key_id"] == key_id("service-account-sa2.pub")
        assert authenticated_everywhere(after) == everywhere, reviews


def test_the_controller_manager_signs_legacy_tokens_with_the_new_key(rotation):
    everywhere = {server: (True, USER) for server in SERVERS}
    legacy_before = rotation["reviews_signed"]["sa-token-legacy"]
    assert legacy_before["key_id"] == key_id("service-account.pub")
    for reviews, name in (("reviews_signed", "sa-token-legacy-after"), ("reviews_finished", "sa-token-legacy-after"),
                          ("reviews_finished", "sa-token-legacy-again")):
        legacy = rotation[reviews][name]
        assert legacy["key_id"] == key_id("service-account-sa2.pub"), name
        assert authenticated_everywhere(legacy) == everywhere, (reviews, name)


def test_the_old_key_is_kept_while_a_legacy_token_needs_it(rotation):
    refused = rotation["refused"]
    assert refused["rc"] != 0
    assert "hold tokens signed by sa1" in words(refused["output"])
    assert "default/kthw-legacy-token" in words(refused["output"])
    assert "default/kthw-legacy-token-after" not in words(refused["output"])


def test_no_request_failed_during_the_rotation(rotation):
    for probe in ("probe_before", "probe_after"):
        result = rotation[probe]
        print(f"{probe}: {result['rounds']} rounds, {result['requests']} requests "
              f"(a read, a write, a SelfSubjectReview with a service-account token), {result['failed_rounds']} failed")
        assert result["rounds"] > 100, probe
        assert result["failed_rounds"] == 0, result["failures"]


def test_the_record_retires_the_old_key_which_stays_on_the_controller(rotation):
    assert rotation["finished"]["rc"] == 0
    record = rotation["record"]
    assert record["rotation"] is None
    assert record["ring"] == [{"name": "sa2", "key": "service-account-sa2.key", "public_key": "service-account-sa2.pub"}]
    assert [(k["name"], k["key"]) for k in record["retired"]] == [("sa1", "service-account.key")]
    assert os.path.exists(os.path.join(PKI_DIR, "service-account.key"))
    assert oct(os.stat(os.path.join(PKI_DIR, "service-account-sa2.key")).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("name", NODES)
def test_every_node_trusts_and_signs_with_the_new_key_only(name):
    host = node(name)
    with open(os.path.join(PKI_DIR, "service-account-sa2.pub"), encoding="ascii") as handle:
        assert pem_ders(host.file("/etc/kubernetes/pki/sa.pub").content_string) == pem_ders(handle.read())
    key = host.file("/etc/kubernetes/pki/sa.key")
    assert key.mode == 0o600
    with open(os.path.join(PKI_DIR, "service-account-sa2.key"), "rb") as handle:
        assert key.sha256sum == hashlib.sha256(handle.read()).hexdigest()


@pytest.mark.parametrize("server", SERVERS)
def test_every_apiserver_publishes_only_the_new_key(server):
    status, body = https_get(server + "/openid/v1/jwks", cert="admin")
    assert status == 200, body
    assert [key["kid"] for key in json.loads(body)["keys"]] == [key_id("service-account-sa2.pub")]
