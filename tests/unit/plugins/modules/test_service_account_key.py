"""service_account_key: the private key is created once and never regenerated; the public
key follows it; nothing secret leaves the module."""

import os

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    generate_key, parse_private_key, public_key_pem)
from ansible_collections.kthw.control_plane.plugins.modules import service_account_key


def sa_args(d, **changes):
    args = dict(path=str(d / "sa.key"), public_key_path=str(d / "sa.pub"), key_type="rsa-2048")
    args.update(changes)
    return args


@pytest.fixture
def sa(tmp_path, run_module):
    result = run_module(service_account_key, sa_args(tmp_path))
    assert result["changed"] and result["changed_reasons"] == ["missing", "public_key_missing"], result
    return tmp_path, result


def test_a_new_pair_is_rsa_and_private(sa, tools):
    d, result = sa
    key = parse_private_key((d / "sa.key").read_bytes())
    assert result["key_type"] == "rsa-2048" and key.key_size == 2048
    assert (d / "sa.pub").read_bytes() == public_key_pem(key)
    assert tools.mode_of(d / "sa.key") == 0o600 and tools.mode_of(d / "sa.pub") == 0o644


def test_the_default_is_rsa_3072(tmp_path, run_module):
    result = run_module(service_account_key, dict(path=str(tmp_path / "sa.key"),
                                                  public_key_path=str(tmp_path / "sa.pub")))
    assert result["key_type"] == "rsa-3072"


def test_the_private_key_is_never_regenerated(sa, run_module, tools):
    d, first = sa
    files = tools.snapshot(d)
    again = run_module(service_account_key, sa_args(d, key_type="rsa-4096"))
    assert not again["changed"] and again["changed_reasons"] == []
    assert again["public_key_fingerprint"] == first["public_key_fingerprint"]
    assert any("stays rsa-2048" in w for w in again["warnings"])
    assert tools.snapshot(d) == files


@pytest.mark.parametrize("public, reason", [
    (None, "public_key_missing"),
    (b"garbage\n", "public_key_mismatch"),
    ("another key", "public_key_mismatch"),
])
def test_the_public_key_follows_the_private_key(sa, run_module, tools, public, reason):
    d, first = sa
    key = (d / "sa.key").read_bytes()
    if public is None:
        os.unlink(str(d / "sa.pub"))
    elif public == "another key":
        (d / "sa.pub").write_bytes(public_key_pem(generate_key("rsa-2048")))
    else:
        (d / "sa.pub").write_bytes(public)
    result = run_module(service_account_key, sa_args(d))
    assert result["changed"] and result["changed_reasons"] == [reason]
    assert (d / "sa.key").read_bytes() == key
    assert (d / "sa.pub").read_bytes() == public_key_pem(parse_private_key(key))
    assert result["public_key_fingerprint"] == first["public_key_fingerprint"]


def test_the_same_public_key_in_another_pem_form_is_left_alone(sa, run_module, tools):
    d, _first = sa
    key = parse_private_key((d / "sa.key").read_bytes())
    (d / "sa.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.PKCS1))
    files = tools.snapshot(d)
    assert not run_module(service_account_key, sa_args(d))["changed"]
    assert tools.snapshot(d) == files


@pytest.mark.parametrize("content", [
    b"damaged\n",
    generate_key("ecdsa-p256").private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.BestAvailableEncryption(b"pass")),
])
def test_an_unusable_private_key_fails_and_is_never_overwritten(tmp_path, run_module, tools, content):
    (tmp_path / "sa.key").write_bytes(content)
    result = run_module(service_account_key, sa_args(tmp_path))
    assert result["failed"] and str(tmp_path / "sa.key") in result["msg"] and "never overwritten" in result["msg"]
    assert tools.snapshot(tmp_path) == {"sa.key": content}


def test_check_mode_decides_the_same_and_writes_nothing(tmp_path, run_module, tools):
    checked = run_module(service_account_key, sa_args(tmp_path), check_mode=True, diff=True)
    assert os.listdir(str(tmp_path)) == []
    real = run_module(service_account_key, sa_args(tmp_path), diff=True)
    assert (checked["changed"], checked["changed_reasons"]) == (real["changed"], real["changed_reasons"])
    os.unlink(str(tmp_path / "sa.pub"))
    files = tools.snapshot(tmp_path)
    checked = run_module(service_account_key, sa_args(tmp_path), check_mode=True, diff=True)
    assert checked["changed_reasons"] == ["public_key_missing"]
    assert tools.snapshot(tmp_path) == files
    assert checked["diff"]["before"] == {"key_type": "rsa-2048"}
    assert checked["diff"]["after"]["public_key_fingerprint"] == real["public_key_fingerprint"]
    tools.assert_no_key_material([checked, real], tmp_path)


def test_a_world_readable_key_mode_is_refused(tmp_path, run_module):
    result = run_module(service_account_key, sa_args(tmp_path, key_mode="0644"))
    assert result["failed"] and "key_mode 0644" in result["msg"]
    assert os.listdir(str(tmp_path)) == []
