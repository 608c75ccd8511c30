"""The PKI modules end to end in-process: idempotence, check mode, refusals, secrecy."""

import os
import stat

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import service_account_key, x509_ca, x509_certificate


@pytest.fixture
def pki(tmp_path, run_module):
    d = tmp_path / "pki"
    d.mkdir(mode=0o700)
    ca = run_module(x509_ca, dict(path=str(d / "ca.crt"), key_path=str(d / "ca.key"), common_name="unit-ca"))
    assert ca["changed"] and not ca.get("failed")
    return d


def leaf_args(d, **changes):
    args = dict(path=str(d / "leaf.crt"), key_path=str(d / "leaf.key"), ca_path=str(d / "ca.crt"),
                ca_key_path=str(d / "ca.key"), common_name="cp1", dns_names=["cp1"], ip_addresses=["127.0.0.1"],
                usage="both")
    args.update(changes)
    return args


def secret_fragments(d):
    """Every private key's PEM body lines: none may appear in any output."""
    fragments = []
    for name in os.listdir(d):
        if name.endswith(".key"):
            lines = (d / name).read_text().splitlines()
            fragments += [line for line in lines if line and not line.startswith("-----")]
    return fragments


def test_ca_is_never_regenerated(pki, run_module):
    before = (pki / "ca.crt").read_bytes(), (pki / "ca.key").read_bytes()
    again = run_module(x509_ca, dict(path=str(pki / "ca.crt"), key_path=str(pki / "ca.key"),
                                     common_name="another-name", key_type="rsa-2048", valid_days=10))
    assert not again["changed"]
    assert ((pki / "ca.crt").read_bytes(), (pki / "ca.key").read_bytes()) == before


def test_ca_with_a_foreign_key_fails_and_is_not_touched(pki, tmp_path, run_module):
    other = tmp_path / "other"
    other.mkdir()
    run_module(x509_ca, dict(path=str(other / "ca.crt"), key_path=str(other / "ca.key"), common_name="other"))
    (pki / "ca.key").write_bytes((other / "ca.key").read_bytes())
    cert_before = (pki / "ca.crt").read_bytes()
    result = run_module(x509_ca, dict(path=str(pki / "ca.crt"), key_path=str(pki / "ca.key"), common_name="unit-ca"))
    assert result["failed"] and "does not match" in result["msg"]
    assert (pki / "ca.crt").read_bytes() == cert_before


def test_ca_certificate_without_key_is_refused_unless_external(pki, run_module):
    os.unlink(pki / "ca.key")
    refused = run_module(x509_ca, dict(path=str(pki / "ca.crt"), key_path=str(pki / "ca.key"), common_name="unit-ca"))
    assert refused["failed"] and "never regenerated" in refused["msg"]
    external = run_module(x509_ca, dict(path=str(pki / "ca.crt"), key_path=str(pki / "ca.key"),
                                        common_name="unit-ca", external=True))
    assert not external.get("failed") and not external["changed"]
    assert not (pki / "ca.key").exists()


def test_leaf_from_external_ca_without_key_fails_clearly(pki, run_module):
    os.unlink(pki / "ca.key")
    result = run_module(x509_certificate, leaf_args(pki))
    assert result["failed"] and "no private key" in result["msg"] and "never creates a CA" in result["msg"]
    assert not (pki / "leaf.crt").exists() and not (pki / "ca.key").exists()


def test_leaf_is_issued_once_and_kept(pki, run_module):
    first = run_module(x509_certificate, leaf_args(pki))
    assert first["changed"] and first["changed_reasons"] == ["missing"]
    second = run_module(x509_certificate, leaf_args(pki))
    assert not second["changed"] and second["changed_reasons"] == []
    assert (second["serial"], second["not_before"]) == (first["serial"], first["not_before"])


def test_san_change_reissues_with_the_same_key(pki, run_module):
    run_module(x509_certificate, leaf_args(pki))
    key_before = (pki / "leaf.key").read_bytes()
    changed = run_module(x509_certificate, leaf_args(pki, dns_names=["cp1", "lb"]))
    assert changed["changed"] and changed["changed_reasons"] == ["sans"]
    assert (pki / "leaf.key").read_bytes() == key_before


def test_check_mode_decides_the_same_and_writes_nothing(pki, run_module):
    checked = run_module(x509_certificate, leaf_args(pki), check_mode=True)
    assert checked["changed"] and checked["changed_reasons"] == ["missing"]
    assert not (pki / "leaf.crt").exists() and not (pki / "leaf.key").exists()
    run_module(x509_certificate, leaf_args(pki))
    before = (pki / "leaf.crt").read_bytes()
    checked = run_module(x509_certificate, leaf_args(pki, common_name="cp2"), check_mode=True)
    assert checked["changed"] and checked["changed_reasons"] == ["subject"]
    assert (pki / "leaf.crt").read_bytes() == before
    assert not run_module(x509_certificate, leaf_args(pki), check_mode=True)["changed"]


def test_leaf_longer_than_its_ca_is_refused(tmp_path, run_module):
    d = tmp_path
    run_module(x509_ca, dict(path=str(d / "ca.crt"), key_path=str(d / "ca.key"), common_name="short", valid_days=30))
    result = run_module(x509_certificate, leaf_args(d, valid_days=365, renew_before_days=10))
    assert result["failed"] and "after its CA" in result["msg"]
    assert not (d / "leaf.crt").exists()


def test_mismatched_ca_key_is_refused(pki, tmp_path, run_module):
    other = tmp_path / "other"
    other.mkdir()
    run_module(x509_ca, dict(path=str(other / "ca.crt"), key_path=str(other / "ca.key"), common_name="other"))
    result = run_module(x509_certificate, leaf_args(pki, ca_key_path=str(other / "ca.key")))
    assert result["failed"] and "does not match the CA certificate" in result["msg"]


@pytest.mark.parametrize("bad, message", [
    (dict(ip_addresses=["300.1.1.1"]), "not a valid IP address"),
    (dict(common_name=""), "common_name must not be empty"),
    (dict(key_type="ed25519"), "value of key_type must be one of"),
])
def test_bad_input_fails_before_writing(pki, run_module, bad, message):
    result = run_module(x509_certificate, leaf_args(pki, **bad))
    assert result["failed"] and message in result["msg"]
    assert not (pki / "leaf.crt").exists()


def test_results_and_diffs_carry_no_key_material(pki, run_module, capsys):
    outputs = [run_module(x509_certificate, leaf_args(pki), diff=True),
               run_module(x509_certificate, leaf_args(pki, usage="server"), diff=True),
               run_module(service_account_key, dict(path=str(pki / "sa.key"), public_key_path=str(pki / "sa.pub")), diff=True)]
    text = repr(outputs)
    assert "PRIVATE KEY" not in text
    for fragment in secret_fragments(pki):
        assert fragment not in text
    assert outputs[1]["diff"]["before"]["serial"] != outputs[1]["diff"]["after"]["serial"]


def test_keys_are_private_from_the_first_byte_even_with_umask_000(pki, run_module):
    old = os.umask(0)
    try:
        run_module(x509_certificate, leaf_args(pki))
        run_module(service_account_key, dict(path=str(pki / "sa.key"), public_key_path=str(pki / "sa.pub")))
    finally:
        os.umask(old)
    for name in ("ca.key", "leaf.key", "sa.key"):
        assert stat.S_IMODE(os.stat(pki / name).st_mode) == 0o600, name


def test_world_readable_key_mode_is_refused(pki, run_module):
    result = run_module(x509_certificate, leaf_args(pki, key_mode="0644"))
    assert result["failed"] and "key_mode" in result["msg"]


def test_service_account_key_is_never_regenerated(tmp_path, run_module):
    args = dict(path=str(tmp_path / "sa.key"), public_key_path=str(tmp_path / "sa.pub"))
    first = run_module(service_account_key, args)
    assert first["changed"] and first["changed_reasons"] == ["missing", "public_key"]
    key = (tmp_path / "sa.key").read_bytes()
    os.unlink(tmp_path / "sa.pub")
    second = run_module(service_account_key, dict(args, key_type="ecdsa-p256"))
    assert second["changed"] and second["changed_reasons"] == ["public_key"]
    assert (tmp_path / "sa.key").read_bytes() == key
    assert second["public_key_sha256"] == first["public_key_sha256"]
    assert not run_module(service_account_key, args)["changed"]
