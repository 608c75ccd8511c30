"""kubeconfig: written atomically, 0600 from its first byte, rewritten only when its content
differs; check mode writes nothing; an embedded key never reaches a result or a diff."""

import base64
import json
import os
import stat

import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.module_utils._kubeconfig.builder import build
from ansible_collections.kthw.control_plane.plugins.modules import kubeconfig, x509_certificate


@pytest.fixture
def leaf(pki, run_module, tools):
    """The CA of the pki fixture and a client certificate and key beside it."""
    result = run_module(x509_certificate, tools.leaf_args(pki, common_name="system:kube-scheduler", usage="client",
                                                          dns_names=[], ip_addresses=[]))
    assert result["changed"] and not result.get("failed"), result
    return pki


def conf_args(d, **changes):
    args = dict(path=str(d / "scheduler.conf"), cluster_name="kthw", server="https://127.0.0.1:6443",
                user_name="system:kube-scheduler", ca_path=str(d / "ca.crt"), client_cert_path=str(d / "leaf.crt"),
                client_key_path=str(d / "leaf.key"))
    args.update(changes)
    return args


def document(path):
    return json.loads(path.read_text())


def identity(path):
    st = os.stat(str(path))
    return path.read_bytes(), st.st_ino, st.st_mtime_ns, stat.S_IMODE(st.st_mode)


@pytest.mark.parametrize("embed", [False, True])
def test_a_new_kubeconfig_is_written_private(leaf, run_module, tools, embed):
    result = run_module(kubeconfig, conf_args(leaf, embed_certs=embed))
    path = leaf / "scheduler.conf"
    assert result["changed"] and result["path"] == str(path)
    assert document(path) == build("kthw", "https://127.0.0.1:6443", str(leaf / "ca.crt"), str(leaf / "leaf.crt"),
                                   str(leaf / "leaf.key"), "system:kube-scheduler", embed)
    assert tools.mode_of(path) == 0o600
    assert not [name for name in os.listdir(str(leaf)) if name.startswith(".kthw-private.")]
    assert result["summary"]["client_key"] == ("(embedded)" if embed else str(leaf / "leaf.key"))


@pytest.mark.parametrize("embed", [False, True])
def test_a_second_run_changes_nothing_and_does_not_rewrite(leaf, run_module, embed):
    path = leaf / "scheduler.conf"
    run_module(kubeconfig, conf_args(leaf, embed_certs=embed))
    before = identity(path)
    again = run_module(kubeconfig, conf_args(leaf, embed_certs=embed), diff=True)
    assert not again["changed"] and again["diff"]["before"] == again["diff"]["after"]
    assert identity(path) == before


def test_the_same_content_written_as_yaml_is_left_alone(leaf, run_module):
    path = leaf / "scheduler.conf"
    run_module(kubeconfig, conf_args(leaf))
    path.write_text(yaml.safe_dump(document(path)))
    before = identity(path)
    assert not run_module(kubeconfig, conf_args(leaf))["changed"]
    assert identity(path) == before


@pytest.mark.parametrize("change, field", [
    (dict(server="https://10.0.0.10:6443"), "server"),
    (dict(user_name="system:kube-controller-manager"), "user"),
    (dict(embed_certs=True), "client_key"),
])
def test_a_different_content_is_rewritten_and_stays_private(leaf, run_module, tools, change, field):
    path = leaf / "scheduler.conf"
    run_module(kubeconfig, conf_args(leaf))
    result = run_module(kubeconfig, conf_args(leaf, **change), diff=True)
    assert result["changed"] and result["diff"]["before"][field] != result["diff"]["after"][field]
    assert document(path) == build(*[conf_args(leaf, **change)[k] for k in (
        "cluster_name", "server", "ca_path", "client_cert_path", "client_key_path", "user_name")],
        embed_certs=change.get("embed_certs", False))
    assert tools.mode_of(path) == 0o600


def test_a_widened_mode_is_put_back_without_rewriting(leaf, run_module, tools):
    path = leaf / "scheduler.conf"
    run_module(kubeconfig, conf_args(leaf))
    os.chmod(str(path), 0o644)
    data, inode = path.read_bytes(), os.stat(str(path)).st_ino
    assert run_module(kubeconfig, conf_args(leaf))["changed"]
    assert tools.mode_of(path) == 0o600 and (path.read_bytes(), os.stat(str(path)).st_ino) == (data, inode)
    assert run_module(kubeconfig, conf_args(leaf, mode="0640"))["changed"] and tools.mode_of(path) == 0o640
    assert not run_module(kubeconfig, conf_args(leaf, mode="0640"))["changed"]


@pytest.mark.parametrize("mode", ["0600", "0640"])
def test_the_file_is_0600_from_its_first_byte_even_with_umask_000(leaf, run_module, file_births, mode):
    result = run_module(kubeconfig, conf_args(leaf, embed_certs=True, mode=mode))
    created, moved = file_births.created, file_births.moved
    assert result["changed"]
    assert len(created) == 1, created
    name, flags, created_mode, size = created[0]
    assert name.startswith(".kthw-private.") and flags & os.O_EXCL
    assert (created_mode, size) == (0o600, 0), "0600 before its first byte"
    assert moved == [("scheduler.conf", 0o600)], "0600 when it takes its name, embedded key and all"
    assert stat.S_IMODE(os.stat(str(leaf / "scheduler.conf")).st_mode) == int(mode, 8)


def test_check_mode_writes_nothing_and_decides_the_same(leaf, run_module, tools):
    path = leaf / "scheduler.conf"
    before = tools.snapshot(leaf)
    checked = run_module(kubeconfig, conf_args(leaf, embed_certs=True), check_mode=True, diff=True)
    assert checked["changed"] and tools.snapshot(leaf) == before
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["client_key"] == "(embedded)"
    real = run_module(kubeconfig, conf_args(leaf, embed_certs=True), diff=True)
    assert real["diff"] == checked["diff"] and real["summary"] == checked["summary"]
    written = identity(path)
    for args in (conf_args(leaf, server="https://10.0.0.10:6443"), conf_args(leaf, embed_certs=True, mode="0640")):
        checked = run_module(kubeconfig, args, check_mode=True, diff=True)
        assert checked["changed"] and identity(path) == written
    assert not run_module(kubeconfig, conf_args(leaf, embed_certs=True), check_mode=True)["changed"]


def test_the_key_never_appears_in_a_result(leaf, run_module, tools):
    embedded = base64.b64encode((leaf / "leaf.key").read_bytes()).decode()
    outputs = [run_module(kubeconfig, conf_args(leaf, embed_certs=True), diff=True)]
    assert embedded in (leaf / "scheduler.conf").read_text(), "the scan below looks for what the file holds"
    outputs += [run_module(kubeconfig, conf_args(leaf, embed_certs=True), diff=True),
                run_module(kubeconfig, conf_args(leaf, embed_certs=True, server="https://x:6443"), diff=True,
                           check_mode=True),
                run_module(kubeconfig, conf_args(leaf, embed_certs=False), diff=True)]
    text = repr(outputs)
    for part in (embedded, embedded[:24], embedded[-24:]):
        assert part not in text
    tools.assert_no_key_material(outputs, leaf)


def test_an_unreadable_key_fails_and_writes_nothing(leaf, run_module, tools):
    before = tools.snapshot(leaf)
    result = run_module(kubeconfig, conf_args(leaf, embed_certs=True, client_key_path=str(leaf / "missing.key")))
    assert result["failed"] and result["msg"].startswith("cannot read the client key %s" % (leaf / "missing.key"))
    assert tools.snapshot(leaf) == before


def test_every_trusted_ca_is_embedded_in_order(leaf, run_module):
    (leaf / "next.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nbmV4dA==\n-----END CERTIFICATE-----\n")
    result = run_module(kubeconfig, conf_args(leaf, embed_certs=True, extra_ca_paths=[str(leaf / "next.crt")]))
    assert result["changed"], result
    data = base64.b64decode(document(leaf / "scheduler.conf")["clusters"][0]["cluster"]["certificate-authority-data"])
    assert data == (leaf / "ca.crt").read_bytes() + (leaf / "next.crt").read_bytes()


def test_more_than_one_ca_by_path_is_refused(leaf, run_module):
    result = run_module(kubeconfig, conf_args(leaf, extra_ca_paths=[str(leaf / "ca.crt")]))
    assert result.get("failed") and "only be embedded" in result["msg"], result
    assert not (leaf / "scheduler.conf").exists()
