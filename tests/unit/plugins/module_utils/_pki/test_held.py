# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""held: digests of what a host holds, read from the files the roles write; never a secret."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import json
import os

import jinja2
import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.module_utils._pki import held
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    generate_key, private_key_pem, public_key_pem)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
TEMPLATE = os.path.join(ROOT, "roles", "kube_apiserver", "templates", "encryption-config.yaml.j2")
SECRET = base64.b64encode(b"k" * 32).decode("ascii")
SECRET_DIGEST = hashlib.sha256(b"k" * 32).hexdigest()


def rendered(provider="secretbox", secret=SECRET, ring=None):
    """The kube_apiserver role's own template, as it renders on a node (Ansible trims blocks)."""
    with open(TEMPLATE, encoding="utf-8") as handle:
        environment = jinja2.Environment(trim_blocks=True)
        environment.filters["to_json"] = json.dumps
        template = environment.from_string(handle.read())
    ring = ring or [{"name": "key1", "provider": provider, "file": "encryption-key-" + provider}]
    secrets = dict((key["file"], key.get("secret", secret)) for key in ring)
    return template.render(ansible_managed="Ansible managed", kube_apiserver_encrypted_resources=["secrets"],
                           __kube_apiserver_encryption_ring=ring, cluster_pki_dir="/pki",
                           lookup=lambda kind, path: secrets[path[len("/pki/"):]])


@pytest.mark.parametrize("provider", ["secretbox", "aescbc", "aesgcm"])
def test_the_roles_configuration_reads_back(provider):
    assert held.encryption_providers(rendered(provider)) == [
        {"provider": provider, "keys": [{"name": "key1", "sha256": SECRET_DIGEST}]},
        {"provider": "identity", "keys": []}]


def test_a_ring_renders_in_order_one_provider_entry_per_run_of_keys():
    other = base64.b64encode(b"o" * 32).decode("ascii")
    ring = [{"name": "key3", "provider": "aesgcm", "file": "k3", "secret": other},
            {"name": "key2", "provider": "aesgcm", "file": "k2"},
            {"name": "key1", "provider": "secretbox", "file": "k1"}]
    text = rendered(ring=ring)
    assert yaml.safe_load(text)["resources"][0]["providers"][0]["aesgcm"]["keys"][0] == {"name": "key3", "secret": other}
    assert held.encryption_providers(text) == [
        {"provider": "aesgcm", "keys": [{"name": "key3", "sha256": hashlib.sha256(b"o" * 32).hexdigest()},
                                        {"name": "key2", "sha256": SECRET_DIGEST}]},
        {"provider": "secretbox", "keys": [{"name": "key1", "sha256": SECRET_DIGEST}]},
        {"provider": "identity", "keys": []}]


def test_the_one_key_of_site_yml_renders_as_before_the_ring():
    assert rendered("secretbox") == (
        "# Ansible managed\napiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        "  - resources: [\"secrets\"]\n    providers:\n      - secretbox:\n          keys:\n            - name: key1\n"
        "              secret: %s\n      # Reads what was stored before encryption was turned on.\n"
        "      - identity: {}" % SECRET)


def test_the_digest_is_the_key_files_whatever_its_line_end():
    assert held.encryption_key_digest(SECRET + "\n") == SECRET_DIGEST
    assert held.encryption_providers(rendered())[0]["keys"][0]["sha256"] == SECRET_DIGEST


def test_several_keys_quoted_and_in_any_order():
    text = """resources:
  - resources: [secrets]
    providers:
      # - aescbc: was the provider before
      #     secret: left in a comment
      - aesgcm:
          keys:
            - secret: "%s"   # the new one
              name: 'key2'
            - name: key1
              secret: %s
      - identity: {}
""" % (SECRET, base64.b64encode(b"o" * 32).decode())
    assert held.encryption_providers(text) == [
        {"provider": "aesgcm", "keys": [{"name": "key2", "sha256": SECRET_DIGEST},
                                        {"name": "key1", "sha256": hashlib.sha256(b"o" * 32).hexdigest()}]},
        {"provider": "identity", "keys": []}]


@pytest.mark.parametrize("text, message", [
    ("", "holds no encryption provider"),
    ('{"resources": [{"providers": [{"secretbox": {"keys": [{"name": "k", "secret": "%s"}]}}]}]}' % SECRET,
     "holds no encryption provider"),
    ("providers:\n  - secretbox: {keys: [{name: key1, secret: %s}]}\n" % SECRET, "has keys that cannot be read"),
    ("providers:\n  - secretbox:\n      keys:\n        - name: key1\n", "has keys that cannot be read"),
    ("providers:\n  - aescbc:\n      keys:\n        - secret: %s\n" % SECRET, "has keys that cannot be read"),
    ("secret: %s\nproviders:\n  - aescbc:\n      keys:\n        - name: k\n          secret: %s\n" % (SECRET, SECRET),
     "has keys that cannot be read"),
])
def test_what_cannot_be_accounted_for_is_an_error_not_an_empty_set(text, message):
    with pytest.raises(held.HeldError, match=message):
        held.encryption_providers(text)


def test_a_non_base64_key_still_has_a_digest():
    assert held.encryption_key_digest("not base64!") == hashlib.sha256(b"not base64!").hexdigest()


def test_a_public_key_and_its_private_key_give_one_digest():
    key = generate_key("rsa-2048")
    public = public_key_pem(key).decode("ascii")
    assert held.public_key_digest(public) == held.private_key_digest(private_key_pem(key).decode("ascii"))
    assert held.public_key_digest(public) != held.public_key_digest(public_key_pem(generate_key("rsa-2048")).decode())


def test_a_public_key_bundle_gives_each_key_its_digest_in_order(tmp_path):
    first = public_key_pem(generate_key("rsa-2048")).decode("ascii")
    second = public_key_pem(generate_key("rsa-2048")).decode("ascii")
    (tmp_path / "sa.pub").write_text(first + second)
    entry = held.read_held("service-account key", str(tmp_path / "sa.pub"), "public_key")
    assert entry["sha256"] == [held.public_key_digest(first), held.public_key_digest(second)]


@pytest.mark.parametrize("reader, text, message", [
    (held.certificate_digests, "garbage", "holds no PEM certificate"),
    (held.public_key_digests, "garbage", "holds no PEM public key"),
    (held.public_key_digest, "garbage", "is not one PEM public key"),
    (held.private_key_digest, "garbage", "is not an unencrypted PEM private key"),
])
def test_unreadable_content_is_an_error(reader, text, message):
    with pytest.raises(held.HeldError, match=message):
        reader(text)


def test_read_held_reports_missing_unreadable_and_binary_files(tmp_path):
    (tmp_path / "binary").write_bytes(b"\xff\xfe")
    (tmp_path / "empty.crt").write_text("")
    assert held.read_held("x", str(tmp_path / "none"), "certificate") == {
        "name": "x", "path": str(tmp_path / "none"), "kind": "certificate", "exists": False}
    assert held.read_held("x", str(tmp_path / "binary" / "below"), "certificate")["exists"] is False
    assert held.read_held("x", str(tmp_path / "binary"), "certificate")["error"] == "is not text"
    assert held.read_held("x", str(tmp_path / "empty.crt"), "certificate")["error"] == "holds no PEM certificate"
    assert held.read_held("x", str(tmp_path), "certificate")["error"].startswith("cannot be opened")
