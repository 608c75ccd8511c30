"""x509_certificate end to end in-process: idempotence by identity, reasons, check mode,
refusals, private keys and secrecy."""

import os

import pytest
from ansible.module_utils import basic

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import generate_key, private_key_pem
from ansible_collections.kthw.control_plane.plugins.modules import x509_ca, x509_certificate


def test_a_leaf_is_issued_once_and_then_kept(pki, run_module, tools, openssl):
    first = run_module(x509_certificate, tools.leaf_args(pki))
    assert first["changed"] and first["changed_reasons"] == ["missing"]
    assert first["subject"] == "CN=cp1" and first["issuer"] == "CN=unit-ca"
    assert first["sans"] == ["DNS:cp1", "DNS:localhost", "IP:127.0.0.1"]
    files = tools.snapshot(pki)
    second = run_module(x509_certificate, tools.leaf_args(pki, dns_names=["LOCALHOST", "cp1"]))
    assert not second["changed"] and second["changed_reasons"] == []
    assert (second["serial"], second["not_before"], second["fingerprint"]) == \
        (first["serial"], first["not_before"], first["fingerprint"])
    assert tools.snapshot(pki) == files
    assert tools.mode_of(pki / "leaf.key") == 0o600 and tools.mode_of(pki / "leaf.crt") == 0o644
    verified = openssl("verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", pki / "ca.crt", pki / "leaf.crt")
    assert verified.returncode == 0 and ": OK" in verified.stdout, verified.stderr
    key_check = openssl("x509", "-in", pki / "leaf.crt", "-noout", "-pubkey")
    assert key_check.stdout == openssl("pkey", "-in", pki / "leaf.key", "-pubout").stdout


@pytest.mark.parametrize("change, reasons, new_key", [
    (dict(dns_names=["cp1", "lb"]), ["sans"], False),
    (dict(ip_addresses=["127.0.0.1", "::1"]), ["sans"], False),
    (dict(common_name="cp2", organizations=["kthw:nodes"]), ["subject"], False),
    (dict(usage="client"), ["usage"], False),
    (dict(key_type="rsa-2048"), ["key_type"], True),
    (dict(force=True), ["forced"], False),
    (dict(regenerate_key=True), ["regenerate_key"], True),
    (dict(valid_days=200), [], False),
])
def test_what_changes_decides_reissue_and_key(pki, run_module, tools, change, reasons, new_key):
    first = run_module(x509_certificate, tools.leaf_args(pki))
    key = (pki / "leaf.key").read_bytes()
    result = run_module(x509_certificate, tools.leaf_args(pki, **change))
    assert result["changed_reasons"] == reasons and result["changed"] == bool(reasons)
    assert (result["serial"] != first["serial"]) == bool(reasons)
    assert ((pki / "leaf.key").read_bytes() != key) == new_key


def test_the_renewal_window_reissues_with_the_same_key(pki, run_module, tools):
    run_module(x509_certificate, tools.leaf_args(pki, valid_days=10, renew_before_days=5))
    key = (pki / "leaf.key").read_bytes()
    result = run_module(x509_certificate, tools.leaf_args(pki, valid_days=100, renew_before_days=50))
    assert result["changed_reasons"] == ["expiring"]
    assert (pki / "leaf.key").read_bytes() == key
    assert not run_module(x509_certificate, tools.leaf_args(pki, valid_days=100, renew_before_days=50))["changed"]


def test_a_new_ca_means_new_leaves(pki, run_module, tools):
    run_module(x509_certificate, tools.leaf_args(pki))
    os.unlink(str(pki / "ca.crt"))
    os.unlink(str(pki / "ca.key"))
    run_module(x509_ca, tools.ca_args(pki))
    assert run_module(x509_certificate, tools.leaf_args(pki))["changed_reasons"] == ["issuer"]


@pytest.mark.parametrize("damaged, reasons", [("leaf.crt", ["unparsable"]), ("leaf.key", ["key_missing"])])
def test_a_damaged_leaf_file_is_replaced(pki, run_module, tools, damaged, reasons):
    run_module(x509_certificate, tools.leaf_args(pki))
    (pki / damaged).write_bytes(b"damaged\n")
    result = run_module(x509_certificate, tools.leaf_args(pki))
    assert result["changed_reasons"] == reasons
    assert not run_module(x509_certificate, tools.leaf_args(pki))["changed"]


def test_a_foreign_key_gets_a_certificate_for_it(pki, run_module, tools):
    run_module(x509_certificate, tools.leaf_args(pki))
    foreign = private_key_pem(generate_key("ecdsa-p256"))
    (pki / "leaf.key").write_bytes(foreign)
    result = run_module(x509_certificate, tools.leaf_args(pki))
    assert result["changed_reasons"] == ["key_mismatch"]
    assert (pki / "leaf.key").read_bytes() == foreign


def test_check_mode_decides_the_same_and_writes_nothing(pki, run_module, tools):
    before = tools.snapshot(pki)
    checked = run_module(x509_certificate, tools.leaf_args(pki), check_mode=True)
    assert checked["changed"] and checked["changed_reasons"] == ["missing"]
    assert tools.snapshot(pki) == before
    real = run_module(x509_certificate, tools.leaf_args(pki))
    assert (checked["changed"], checked["changed_reasons"]) == (real["changed"], real["changed_reasons"])
    before = tools.snapshot(pki)
    for change in (dict(common_name="cp2"), dict(key_type="rsa-2048"), dict(force=True), dict(key_mode="0400")):
        checked = run_module(x509_certificate, tools.leaf_args(pki, **change), check_mode=True)
        assert checked["changed"], change
        assert tools.snapshot(pki) == before, change
        assert tools.mode_of(pki / "leaf.key") == 0o600
    unchanged = run_module(x509_certificate, tools.leaf_args(pki), check_mode=True)
    assert not unchanged["changed"] and unchanged["serial"] == real["serial"]


def test_diff_shows_parsed_facts_and_no_key_material(pki, run_module, tools):
    outputs = [run_module(x509_certificate, tools.leaf_args(pki), diff=True),
               run_module(x509_certificate, tools.leaf_args(pki, usage="server", regenerate_key=True), diff=True),
               run_module(x509_certificate, tools.leaf_args(pki, usage="server"), diff=True),
               run_module(x509_certificate, tools.leaf_args(pki, common_name=""), diff=True)]
    created, rotated, unchanged, failed = outputs
    assert created["diff"]["before"] == {}
    assert set(created["diff"]["after"]) == {"subject", "issuer", "serial", "sans", "key_type", "not_before",
                                             "not_after", "fingerprint"}
    assert rotated["diff"]["before"]["serial"] == created["serial"] != rotated["diff"]["after"]["serial"]
    assert unchanged["diff"]["before"] == unchanged["diff"]["after"]
    assert failed["failed"]
    tools.assert_no_key_material(outputs, pki)


def test_keys_are_never_readable_by_others_at_any_moment(pki, run_module, tools, monkeypatch):
    """With umask 000 and an old world-readable key, every key file on disk stays owner-only:
    when its temporary file is created and right after it is moved into place."""
    run_module(x509_certificate, tools.leaf_args(pki))
    os.chmod(str(pki / "leaf.key"), 0o644)
    created, moved = [], []
    real_open, real_move = os.open, basic.AnsibleModule.atomic_move

    def spy_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if flags & os.O_CREAT:
            created.append((os.path.basename(path), flags, os.fstat(fd).st_mode & 0o777))
        return fd

    def spy_move(self, src, dest, *args, **kwargs):
        real_move(self, src, dest, *args, **kwargs)
        moved.append((os.path.basename(dest), os.stat(dest).st_mode & 0o777))

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(basic.AnsibleModule, "atomic_move", spy_move)
    old = os.umask(0)
    try:
        replaced = run_module(x509_certificate, tools.leaf_args(pki, regenerate_key=True))
        new = run_module(x509_certificate, tools.leaf_args(pki, path=str(pki / "new.crt"),
                                                           key_path=str(pki / "new.key")))
    finally:
        os.umask(old)
    assert replaced["changed_reasons"] == ["regenerate_key"] and new["changed_reasons"] == ["missing"]
    for name in ("leaf.key", "new.key"):
        temps = [c for c in created if c[0].startswith("." + name + ".")]
        assert len(temps) == 1 and temps[0][1] & os.O_EXCL and temps[0][2] == 0o600, name
        assert (name, 0o600) in moved, name
        assert tools.mode_of(pki / name) == 0o600
    assert all(mode & 0o077 == 0 for name, mode in moved if name.endswith(".key"))
    assert tools.mode_of(pki / "leaf.crt") == 0o644 and tools.mode_of(pki / "new.crt") == 0o644


def test_a_leaf_never_outlives_its_ca(tmp_path, run_module, tools):
    run_module(x509_ca, tools.ca_args(tmp_path, valid_days=30))
    before = tools.snapshot(tmp_path)
    result = run_module(x509_certificate, tools.leaf_args(tmp_path, valid_days=365))
    assert result["failed"] and "leaf would expire after its CA" in result["msg"]
    assert "lower valid_days or renew the CA" in result["msg"]
    assert tools.snapshot(tmp_path) == before


def test_an_external_ca_without_its_key_cannot_issue(pki, run_module, tools):
    os.unlink(str(pki / "ca.key"))
    before = tools.snapshot(pki)
    result = run_module(x509_certificate, tools.leaf_args(pki))
    assert result["failed"] and "needs the CA private key" in result["msg"]
    assert "never creates a CA" in result["msg"]
    assert tools.snapshot(pki) == before


def test_a_missing_ca_is_never_created_here(tmp_path, run_module, tools):
    result = run_module(x509_certificate, tools.leaf_args(tmp_path))
    assert result["failed"] and "does not exist: create the CA first" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_a_ca_key_that_does_not_match_is_refused(pki, tmp_path, run_module, tools):
    other = tmp_path / "other"
    other.mkdir()
    run_module(x509_ca, tools.ca_args(other))
    result = run_module(x509_certificate, tools.leaf_args(pki, ca_key_path=str(other / "ca.key")))
    assert result["failed"] and "does not match the CA certificate" in result["msg"]
    assert not (pki / "leaf.crt").exists()


def test_a_leaf_cannot_serve_as_a_ca(pki, run_module, tools):
    run_module(x509_certificate, tools.leaf_args(pki))
    result = run_module(x509_certificate, tools.leaf_args(
        pki, path=str(pki / "sub.crt"), key_path=str(pki / "sub.key"), ca_path=str(pki / "leaf.crt"),
        ca_key_path=str(pki / "leaf.key")))
    assert result["failed"] and "is not a CA certificate" in result["msg"]


@pytest.mark.parametrize("bad, message", [
    (dict(ip_addresses=["300.1.1.1"]), "ip_addresses: '300.1.1.1' is not a valid IPv4 or IPv6 address"),
    (dict(ip_addresses=["cp1"]), "'cp1' is not a valid IPv4 or IPv6 address"),
    (dict(dns_names=["*.example.org"]), "is a wildcard"),
    (dict(dns_names=["under_score"]), "is not a valid DNS name"),
    (dict(common_name=""), "common_name must not be empty"),
    (dict(key_type="ed25519"), "value of key_type must be one of"),
    (dict(usage="email"), "value of usage must be one of"),
    (dict(renew_before_days=400), "renew_before_days (400) must be"),
    (dict(key_mode="0640"), "key_mode 0640 would give more than owner read and write"),
])
def test_bad_input_fails_before_writing(pki, run_module, tools, bad, message):
    before = tools.snapshot(pki)
    result = run_module(x509_certificate, tools.leaf_args(pki, **bad))
    assert result["failed"] and message in result["msg"]
    assert tools.snapshot(pki) == before
