"""x509_ca: created once, never regenerated, every refusal leaves the files alone."""

import os

import pytest
from cryptography import x509

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key, private_key_pem
from ansible_collections.kthw.control_plane.plugins.modules import x509_ca, x509_certificate


def test_a_new_ca_is_a_ca_with_a_private_key(tmp_path, run_module, tools, openssl):
    result = run_module(x509_ca, tools.ca_args(tmp_path, organizations=["kthw"], key_type="ecdsa-p384"))
    assert result["changed"] and result["changed_reasons"] == ["missing", "key_missing"]
    assert result["subject"] == "CN=unit-ca,O=kthw" == result["issuer"]
    assert tools.mode_of(tmp_path / "ca.key") == 0o600
    assert tools.mode_of(tmp_path / "ca.crt") == 0o644
    cert = x509.load_pem_x509_certificate((tmp_path / "ca.crt").read_bytes())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert format(cert.serial_number, "x") == result["serial"]
    assert "diff" not in result
    checked = openssl("verify", "-CAfile", tmp_path / "ca.crt", tmp_path / "ca.crt")
    assert checked.returncode == 0 and ": OK" in checked.stdout, checked.stderr
    tools.assert_no_key_material(result, tmp_path)


def test_a_second_run_changes_nothing(pki, run_module, tools):
    before = tools.snapshot(pki)
    first = run_module(x509_ca, tools.ca_args(pki))
    second = run_module(x509_ca, tools.ca_args(pki))
    for result in (first, second):
        assert not result["changed"] and result["changed_reasons"] == []
    assert (first["serial"], first["not_before"]) == (second["serial"], second["not_before"])
    assert tools.snapshot(pki) == before


def test_a_ca_is_never_regenerated_when_the_options_change(pki, run_module, tools):
    before = tools.snapshot(pki)
    result = run_module(x509_ca, tools.ca_args(pki, common_name="another-ca", organizations=["x"],
                                               key_type="rsa-2048", valid_days=10))
    assert not result["changed"] and not result.get("failed")
    assert result["subject"] == "CN=unit-ca"
    warnings = " ".join(result["warnings"])
    assert "keeps its subject CN=unit-ca" in warnings and "never reissued" in warnings
    assert "stays ecdsa-p256" in warnings
    assert tools.snapshot(pki) == before


def test_a_key_without_certificate_gets_a_certificate_not_a_new_key(pki, run_module, tools):
    key = (pki / "ca.key").read_bytes()
    os.unlink(str(pki / "ca.crt"))
    result = run_module(x509_ca, tools.ca_args(pki, key_type="rsa-2048"))
    assert result["changed"] and result["changed_reasons"] == ["missing"]
    assert (pki / "ca.key").read_bytes() == key
    assert any("existing key" in w for w in result["warnings"])
    assert not run_module(x509_ca, tools.ca_args(pki))["changed"]


def test_a_certificate_without_its_key_is_refused_unless_external(pki, run_module, tools):
    os.unlink(str(pki / "ca.key"))
    before = tools.snapshot(pki)
    refused = run_module(x509_ca, tools.ca_args(pki))
    assert refused["failed"]
    assert "external CA" in refused["msg"] and "Provide the key" in refused["msg"]
    assert "external=true" in refused["msg"] and str(pki / "ca.key") in refused["msg"]
    external = run_module(x509_ca, dict(path=str(pki / "ca.crt"), external=True))
    assert not external.get("failed") and not external["changed"] and external["changed_reasons"] == []
    assert external["subject"] == "CN=unit-ca"
    assert tools.snapshot(pki) == before


def test_an_external_ca_must_exist_and_be_a_ca(pki, tmp_path, run_module, tools):
    missing = run_module(x509_ca, dict(path=str(tmp_path / "absent.crt"), external=True))
    assert missing["failed"] and "does not exist" in missing["msg"] and "never created" in missing["msg"]
    assert not (tmp_path / "absent.crt").exists()
    assert run_module(x509_certificate, tools.leaf_args(pki))["changed"]
    not_ca = run_module(x509_ca, dict(path=str(pki / "leaf.crt"), external=True))
    assert not_ca["failed"] and "is not a CA certificate" in not_ca["msg"]


def test_a_certificate_with_a_foreign_key_fails_and_is_left_alone(pki, run_module, tools):
    (pki / "ca.key").write_bytes(private_key_pem(generate_key("ecdsa-p256")))
    os.chmod(str(pki / "ca.key"), 0o600)
    before = tools.snapshot(pki)
    result = run_module(x509_ca, tools.ca_args(pki))
    assert result["failed"] and "does not match the CA certificate" in result["msg"]
    assert tools.snapshot(pki) == before


@pytest.mark.parametrize("damaged, message", [
    ("ca.crt", "is not a PEM certificate"),
    ("ca.key", "is not an unencrypted PEM private key"),
])
def test_a_damaged_file_fails_naming_it_and_is_never_overwritten(pki, run_module, tools, damaged, message):
    (pki / damaged).write_bytes(b"damaged\n")
    before = tools.snapshot(pki)
    result = run_module(x509_ca, tools.ca_args(pki))
    assert result["failed"] and message in result["msg"] and str(pki / damaged) in result["msg"]
    assert tools.snapshot(pki) == before


def test_a_damaged_key_without_certificate_is_never_overwritten(tmp_path, run_module, tools):
    (tmp_path / "ca.key").write_bytes(b"damaged\n")
    result = run_module(x509_ca, tools.ca_args(tmp_path))
    assert result["failed"] and "never overwritten" in result["msg"]
    assert tools.snapshot(tmp_path) == {"ca.key": b"damaged\n"}


def test_missing_folders_are_made_private_and_not_in_check_mode(tmp_path, run_module, tools):
    folder = tmp_path / "pki" / "ca"
    args = tools.ca_args(folder)
    checked = run_module(x509_ca, args, check_mode=True)
    assert checked["changed"] and not (tmp_path / "pki").exists()
    result = run_module(x509_ca, args)
    assert result["changed"] and not result.get("failed"), result
    assert tools.mode_of(folder) == tools.mode_of(tmp_path / "pki") == 0o700
    assert sorted(os.listdir(str(folder))) == ["ca.crt", "ca.key"]


def test_check_mode_decides_the_same_and_writes_nothing(tmp_path, run_module, tools):
    checked = run_module(x509_ca, tools.ca_args(tmp_path), check_mode=True, diff=True)
    assert os.listdir(str(tmp_path)) == []
    real = run_module(x509_ca, tools.ca_args(tmp_path), diff=True)
    assert (checked["changed"], checked["changed_reasons"]) == (real["changed"], real["changed_reasons"])
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["subject"] == "CN=unit-ca"
    again = run_module(x509_ca, tools.ca_args(tmp_path), check_mode=True)
    assert not again["changed"]
    tools.assert_no_key_material([checked, real, again], tmp_path)


def test_modes_are_enforced_and_reported_alike_in_check_mode(pki, run_module, tools):
    os.chmod(str(pki / "ca.crt"), 0o600)
    checked = run_module(x509_ca, tools.ca_args(pki, key_mode="0400"), check_mode=True)
    assert checked["changed"] and checked["changed_reasons"] == []
    assert tools.mode_of(pki / "ca.crt") == 0o600 and tools.mode_of(pki / "ca.key") == 0o600
    real = run_module(x509_ca, tools.ca_args(pki, key_mode="0400"))
    assert real["changed"] and real["changed_reasons"] == []
    assert tools.mode_of(pki / "ca.crt") == 0o644 and tools.mode_of(pki / "ca.key") == 0o400


@pytest.mark.parametrize("args, message", [
    (dict(key_mode="0644"), "key_mode 0644 would give more than owner read and write"),
    (dict(key_type="dsa"), "value of key_type must be one of"),
    (dict(common_name=""), "common_name must not be empty"),
    (dict(valid_days=0), "valid_days must be at least 1"),
])
def test_bad_input_fails_before_writing(tmp_path, run_module, tools, args, message):
    result = run_module(x509_ca, tools.ca_args(tmp_path, **args))
    assert result["failed"] and message in result["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_key_path_and_common_name_are_required_for_an_own_ca(tmp_path, run_module):
    result = run_module(x509_ca, dict(path=str(tmp_path / "ca.crt")))
    assert result["failed"] and "key_path" in result["msg"] and "common_name" in result["msg"]


@pytest.mark.parametrize("common_name, warned", [
    ("unit-ca", False),                  # a CA rotation named its successor after it, with the time
    ("unit", True),                      # another name altogether
    ("unit-ca-20261201", True),          # only the rotation's own suffix is taken
])
def test_a_rotated_ca_with_its_time_after_the_name_is_not_warned_about(tmp_path, run_module, tools, common_name, warned):
    made = run_module(x509_ca, tools.ca_args(tmp_path, common_name="unit-ca-20261201T061547Z"))
    assert made["changed"], made
    result = run_module(x509_ca, tools.ca_args(tmp_path, common_name=common_name))
    assert not result["changed"] and not result.get("failed"), result
    assert any("keeps its subject" in w for w in result.get("warnings", [])) is warned
