"""node_pki_facts: digests that match an independent tool's, for every kind of file; nothing
secret in the result; nothing written."""

import base64
import hashlib

import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    generate_key, private_key_pem, public_key_pem)
from ansible_collections.kthw.control_plane.plugins.modules import node_pki_facts, x509_ca

SECRET = base64.b64encode(b"s" * 32).decode("ascii")
CONFIG = """resources:
  - resources: ["secrets"]
    providers:
      - secretbox:
          keys:
            - name: key1
              secret: %s
      - identity: {}
""" % SECRET


def der_sha256(openssl, pem_path):
    """SHA-256 of the DER form, by openssl: the independent cross-check."""
    der = pem_path.parent / (pem_path.name + ".der")
    result = openssl("x509", "-in", pem_path, "-outform", "der", "-out", der)
    assert result.returncode == 0, result.stderr
    return hashlib.sha256(der.read_bytes()).hexdigest()


@pytest.fixture
def held(pki, tmp_path, run_module, tools):
    """A node's files beside a CA, a second CA, an SA key pair and an encryption key; the module's result."""
    other = tmp_path / "other"
    other.mkdir()
    assert not run_module(x509_ca, tools.ca_args(other)).get("failed")
    (pki / "bundle.crt").write_text((pki / "ca.crt").read_text() + (other / "ca.crt").read_text())
    key = generate_key("rsa-2048")
    (pki / "sa.key").write_bytes(private_key_pem(key))
    (pki / "sa.pub").write_bytes(public_key_pem(key))
    (pki / "encryption-key-secretbox").write_text(SECRET + "\n")
    (pki / "encryption-config.yaml").write_text(CONFIG)
    before = tools.snapshot(pki)
    files = [
        dict(name="kubernetes CA", path=str(pki / "ca.crt"), kind="certificate"),
        dict(name="bundle", path=str(pki / "bundle.crt"), kind="certificate"),
        dict(name="service-account key", path=str(pki / "sa.pub"), kind="public_key"),
        dict(name="service-account key", path=str(pki / "sa.key"), kind="private_key"),
        dict(name="encryption key", path=str(pki / "encryption-key-secretbox"), kind="encryption_key"),
        dict(name="encryption key", path=str(pki / "encryption-config.yaml"), kind="encryption_config"),
        dict(name="absent", path=str(pki / "none.crt"), kind="certificate"),
        dict(name="broken", path=str(pki / "encryption-key-secretbox"), kind="certificate"),
    ]
    result = run_module(node_pki_facts, dict(files=files), check_mode=True)
    assert tools.snapshot(pki) == before, "the module wrote something"
    return pki, other, key, result


def test_every_kind_gives_its_digest(held, openssl):
    pki, other, _key, result = held
    assert result["changed"] is False and not result.get("failed"), result
    ca, bundle, pub, private, key_file, config, absent, broken = result["files"]
    assert ca["sha256"] == [der_sha256(openssl, pki / "ca.crt")]
    assert bundle["sha256"] == [der_sha256(openssl, pki / "ca.crt"), der_sha256(openssl, other / "ca.crt")]
    spki = openssl("pkey", "-in", pki / "sa.key", "-pubout", "-outform", "der", "-out", pki / "sa.der")
    assert spki.returncode == 0, spki.stderr
    assert pub["sha256"] == private["sha256"] == [hashlib.sha256((pki / "sa.der").read_bytes()).hexdigest()]
    assert key_file["sha256"] == [hashlib.sha256(b"s" * 32).hexdigest()]
    assert config["providers"] == [{"provider": "secretbox", "keys": [{"name": "key1", "sha256": key_file["sha256"][0]}]},
                                   {"provider": "identity", "keys": []}]
    assert absent == dict(name="absent", path=str(pki / "none.crt"), kind="certificate", exists=False)
    assert broken["exists"] and broken["error"] == "holds no PEM certificate" and "sha256" not in broken


def test_nothing_secret_leaves_the_module(held, tools):
    pki, _other, _key, result = held
    tools.assert_no_key_material(result, pki)
    assert SECRET not in repr(result) and SECRET[:20] not in repr(result)


class _Built(Exception):
    pass


def test_options_match_the_argument_spec(monkeypatch):
    seen = {}

    def record(**kwargs):
        seen.update(kwargs)
        raise _Built()

    monkeypatch.setattr(node_pki_facts, "AnsibleModule", record)
    with pytest.raises(_Built):
        node_pki_facts.main()
    documented = yaml.safe_load(node_pki_facts.DOCUMENTATION)["options"]["files"]
    spec = seen["argument_spec"]["files"]
    assert sorted(documented["suboptions"]) == sorted(spec["options"])
    for name, option in spec["options"].items():
        assert documented["suboptions"][name]["type"] == option["type"]
        assert documented["suboptions"][name].get("choices") == option.get("choices")
    assert seen["supports_check_mode"] is True
