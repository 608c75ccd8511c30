"""x509_certificates end to end in-process: a set issued once, per-entry force and key
regeneration, private folders, check mode, a failure part way, secrecy, and parity with
x509_certificate."""

import os

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import x509_certificate, x509_certificates

# What every entry's result holds besides its path: the result of x509_certificate.
RESULT_KEYS = {"changed", "changed_reasons", "subject", "issuer", "serial", "sans", "not_before", "not_after",
               "fingerprint"}


def entry(tools, d, name, **changes):
    """One entry of certificates: the leaf of leaf_args, named name, signed by the CA in the pki folder."""
    args = tools.leaf_args(d, path=str(d / (name + ".crt")), key_path=str(d / (name + ".key")), common_name=name)
    args.update(changes)
    return args


def batch(*entries, **shared):
    args = dict(certificates=list(entries))
    args.update(shared)
    return args


def three(tools, pki, d=None, **changes):
    """Three entries in d (default: beside the CA), with changes for the one named by its key."""
    d = d or pki
    ca = dict(ca_path=str(pki / "ca.crt"), ca_key_path=str(pki / "ca.key"))
    return [entry(tools, d, name, **dict(ca, **changes.get(name, {})))
            for name in ("etcd-server", "etcd-peer", "healthcheck")]


def test_a_set_is_issued_once_and_then_kept(pki, run_module, tools, openssl):
    entries = three(tools, pki)
    entries[2].update(usage="client", dns_names=[], ip_addresses=[], organizations=["kthw:probes"])
    first = run_module(x509_certificates, batch(*entries))
    assert first["changed"] and not first.get("failed"), first
    assert first["changed_paths"] == [e["path"] for e in entries]
    assert [r["path"] for r in first["certificates"]] == [e["path"] for e in entries]
    assert all(r["changed"] and r["changed_reasons"] == ["missing"] for r in first["certificates"])
    assert [r["subject"] for r in first["certificates"]] == ["CN=etcd-server", "CN=etcd-peer",
                                                             "CN=healthcheck,O=kthw:probes"]
    assert first["certificates"][2]["sans"] == []
    assert len(set(r["serial"] for r in first["certificates"])) == 3
    files = tools.snapshot(pki)

    second = run_module(x509_certificates, batch(*entries))
    assert not second["changed"] and second["changed_paths"] == []
    assert all(not r["changed"] and r["changed_reasons"] == [] for r in second["certificates"])
    assert [(r["serial"], r["fingerprint"]) for r in second["certificates"]] == \
        [(r["serial"], r["fingerprint"]) for r in first["certificates"]]
    assert tools.snapshot(pki) == files
    for e in entries:
        verified = openssl("verify", "-x509_strict", "-CAfile", pki / "ca.crt", e["path"])
        assert verified.returncode == 0 and ": OK" in verified.stdout, verified.stderr
        pubkey = openssl("x509", "-in", e["path"], "-noout", "-pubkey").stdout
        assert pubkey and pubkey == openssl("pkey", "-in", e["key_path"], "-pubout").stdout


def test_only_the_forced_entry_is_reissued(pki, run_module, tools):
    first = run_module(x509_certificates, batch(*three(tools, pki)))
    keys = dict((name, (pki / name).read_bytes()) for name in os.listdir(str(pki)) if name.endswith(".key"))

    forced = run_module(x509_certificates, batch(*three(tools, pki, **{"etcd-peer": dict(force=True)})))
    assert forced["changed_paths"] == [str(pki / "etcd-peer.crt")]
    assert [r["changed_reasons"] for r in forced["certificates"]] == [[], ["forced"], []]
    serials = [r["serial"] for r in forced["certificates"]]
    before = [r["serial"] for r in first["certificates"]]
    assert serials[0] == before[0] and serials[2] == before[2] and serials[1] != before[1]
    assert dict((name, (pki / name).read_bytes()) for name in keys) == keys  # force keeps every key

    rotated = run_module(x509_certificates, batch(*three(tools, pki, healthcheck=dict(regenerate_key=True))))
    assert rotated["changed_paths"] == [str(pki / "healthcheck.crt")]
    assert [r["changed_reasons"] for r in rotated["certificates"]] == [[], [], ["regenerate_key"]]
    assert rotated["certificates"][:2] == [dict(r, changed=False, changed_reasons=[])
                                           for r in forced["certificates"][:2]]
    now = dict((name, (pki / name).read_bytes()) for name in keys)
    assert [name for name in sorted(keys) if now[name] != keys[name]] == ["healthcheck.key"]

    assert not run_module(x509_certificates, batch(*three(tools, pki)))["changed"]


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077])
def test_missing_folders_are_created_private(pki, tmp_path, run_module, tools, umask):
    nodes = tmp_path / "nodes"
    cp1 = nodes / "cp1"
    entries = three(tools, pki, cp1)
    entries[1]["key_path"] = str(tmp_path / "keys" / "etcd-peer.key")  # a key in a folder of its own
    old = os.umask(umask)
    try:
        result = run_module(x509_certificates, batch(*entries))
    finally:
        os.umask(old)
    assert result["changed"] and not result.get("failed"), result
    for folder in (nodes, cp1, tmp_path / "keys"):
        assert folder.is_dir() and tools.mode_of(folder) == 0o700, folder
    for e in entries:
        assert tools.mode_of(e["key_path"]) == 0o600, e["key_path"]
        assert tools.mode_of(e["path"]) == 0o644, e["path"]
    assert tools.mode_of(pki) == 0o755  # an existing folder is left alone


def test_a_folder_that_cannot_be_made_fails_the_task(pki, tmp_path, run_module, tools):
    (tmp_path / "taken").write_text("a file, not a folder\n")
    entries = three(tools, pki)
    entries[2]["path"] = str(tmp_path / "taken" / "cp1" / "healthcheck.crt")
    result = run_module(x509_certificates, batch(*entries))
    assert result["failed"] and "cannot create the folder of a certificate" in result["msg"]
    assert not result["changed"] and result["certificates"] == []
    assert not (pki / "etcd-server.crt").exists()


def test_shared_file_options_apply_to_every_entry(pki, run_module, tools):
    entries = three(tools, pki)
    run_module(x509_certificates, batch(*entries))
    result = run_module(x509_certificates, batch(*entries, mode="0640", key_mode="0400"))
    assert result["changed_paths"] == [e["path"] for e in entries]
    assert all(r["changed_reasons"] == [] for r in result["certificates"])  # attributes only, no reissue
    for e in entries:
        assert (tools.mode_of(e["path"]), tools.mode_of(e["key_path"])) == (0o640, 0o400)
    refused = run_module(x509_certificates, batch(*entries, key_mode="0644"))
    assert refused["failed"] and "key_mode 0644" in refused["msg"] and refused["certificates"] == []


def test_key_type_is_shared(pki, run_module, tools, openssl):
    entries = three(tools, pki)
    run_module(x509_certificates, batch(*entries))
    result = run_module(x509_certificates, batch(*entries, key_type="rsa-2048"))
    assert [r["changed_reasons"] for r in result["certificates"]] == [["key_type"]] * 3
    for e in entries:
        assert "2048 bit" in openssl("pkey", "-in", e["key_path"], "-noout", "-text").stdout, e["key_path"]
    assert not run_module(x509_certificates, batch(*entries, key_type="rsa-2048"))["changed"]


def test_check_mode_writes_nothing_and_reports_what_would_change(pki, tmp_path, run_module, tools):
    entries = three(tools, pki)
    before = tools.snapshot(pki)
    checked = run_module(x509_certificates, batch(*entries), check_mode=True)
    assert checked["changed"] and checked["changed_paths"] == [e["path"] for e in entries]
    assert tools.snapshot(pki) == before

    elsewhere = three(tools, pki, tmp_path / "new" / "cp1")
    checked = run_module(x509_certificates, batch(*elsewhere), check_mode=True)
    assert checked["changed_paths"] == [e["path"] for e in elsewhere]
    assert not (tmp_path / "new").exists()  # not even the folders

    real = run_module(x509_certificates, batch(*entries))
    issued = tools.snapshot(pki)
    forced = run_module(x509_certificates, batch(*three(tools, pki, healthcheck=dict(regenerate_key=True))),
                        check_mode=True)
    assert forced["changed_paths"] == [str(pki / "healthcheck.crt")]
    assert tools.snapshot(pki) == issued
    unchanged = run_module(x509_certificates, batch(*entries), check_mode=True)
    assert not unchanged["changed"] and unchanged["changed_paths"] == []
    assert [r["serial"] for r in unchanged["certificates"]] == [r["serial"] for r in real["certificates"]]


def test_check_mode_decides_as_a_real_run(pki, run_module, tools):
    entries = three(tools, pki)
    checked = run_module(x509_certificates, batch(*entries), check_mode=True)
    real = run_module(x509_certificates, batch(*entries))
    assert [(r["path"], r["changed"], r["changed_reasons"]) for r in checked["certificates"]] == \
        [(r["path"], r["changed"], r["changed_reasons"]) for r in real["certificates"]]
    assert checked["changed_paths"] == real["changed_paths"]


def test_a_bad_ca_stops_at_its_entry_and_keeps_what_came_before(pki, tmp_path, run_module, tools):
    missing_ca = str(tmp_path / "nowhere" / "ca.crt")
    entries = three(tools, pki)
    entries[1].update(ca_path=missing_ca, ca_key_path=str(tmp_path / "nowhere" / "ca.key"))
    result = run_module(x509_certificates, batch(*entries))
    assert result["failed"] and missing_ca in result["msg"] and "does not exist" in result["msg"]
    assert result["changed"]
    assert [r["path"] for r in result["certificates"]] == [entries[0]["path"]]
    assert result["certificates"][0]["changed_reasons"] == ["missing"]
    assert (pki / "etcd-server.crt").exists() and (pki / "etcd-server.key").exists()
    for name in ("etcd-peer", "healthcheck"):
        assert not (pki / (name + ".crt")).exists() and not (pki / (name + ".key")).exists(), name

    # the next run with the CA fixed keeps the first certificate and issues the rest
    fixed = run_module(x509_certificates, batch(*three(tools, pki)))
    assert fixed["changed_paths"] == [str(pki / "etcd-peer.crt"), str(pki / "healthcheck.crt")]
    assert fixed["certificates"][0]["serial"] == result["certificates"][0]["serial"]


def test_a_bad_first_entry_changes_nothing(pki, tmp_path, run_module, tools):
    entries = three(tools, pki)
    entries[0]["ca_path"] = str(tmp_path / "other.crt")
    before = tools.snapshot(pki)
    result = run_module(x509_certificates, batch(*entries))
    assert result["failed"] and str(tmp_path / "other.crt") in result["msg"]
    assert not result["changed"] and result["certificates"] == []
    assert tools.snapshot(pki) == before


def test_a_bad_entry_is_refused_with_its_reason(pki, run_module, tools):
    entries = three(tools, pki)
    entries[2]["ip_addresses"] = ["300.1.1.1"]
    result = run_module(x509_certificates, batch(*entries))
    assert result["failed"] and "'300.1.1.1' is not a valid IPv4 or IPv6 address" in result["msg"]
    assert [r["path"] for r in result["certificates"]] == [entries[0]["path"], entries[1]["path"]]


def test_no_key_material_in_any_output(pki, tmp_path, run_module, tools):
    entries = three(tools, pki)
    outputs = [run_module(x509_certificates, batch(*entries), diff=True),
               run_module(x509_certificates, batch(*three(tools, pki, healthcheck=dict(regenerate_key=True))),
                          diff=True),
               run_module(x509_certificates, batch(*entries), diff=True, check_mode=True)]
    broken = three(tools, pki, **{"etcd-peer": dict(ca_path=str(tmp_path / "nowhere.crt"))})
    broken[0]["force"] = True
    outputs.append(run_module(x509_certificates, batch(*broken), diff=True))
    created, rotated, unchanged, failed = outputs
    assert len(created["diff"]) == 3 and all(d["before"] == {} for d in created["diff"])
    assert len(rotated["diff"]) == 1
    assert rotated["diff"][0]["before"]["serial"] != rotated["diff"][0]["after"]["serial"]
    assert unchanged["diff"] == []
    assert failed["failed"] and len(failed["certificates"]) == 1
    tools.assert_no_key_material(outputs, pki)


def test_each_result_is_what_x509_certificate_returns(pki, tmp_path, run_module, tools):
    single_dir, batch_dir = tmp_path / "single", tmp_path / "batch"
    single_dir.mkdir()
    batch_dir.mkdir()
    ca = dict(ca_path=str(pki / "ca.crt"), ca_key_path=str(pki / "ca.key"))
    shared = dict(key_type="ecdsa-p384", valid_days=200, renew_before_days=20)

    def single(d, name, **changes):
        result = run_module(x509_certificate, dict(entry(tools, d, name, **dict(ca, **changes)), **shared))
        assert not result.get("failed"), result
        del result["invocation"], result["warnings"]
        return result

    names = ("apiserver", "admin")
    firsts = [single(single_dir, "apiserver"), single(single_dir, "admin", usage="client",
                                                      organizations=["kthw:cluster-admins"], dns_names=[])]
    created = run_module(x509_certificates, batch(entry(tools, batch_dir, "apiserver", **ca),
                                                  entry(tools, batch_dir, "admin", usage="client",
                                                        organizations=["kthw:cluster-admins"], dns_names=[], **ca),
                                                  **shared))["certificates"]
    for name, one, many in zip(names, firsts, created):
        assert set(many) == RESULT_KEYS | {"path"} and set(one) == RESULT_KEYS, name
        assert many["path"] == str(batch_dir / (name + ".crt"))
        for key in ("changed", "changed_reasons", "subject", "issuer", "sans"):
            assert many[key] == one[key], (name, key)

    # on the same files, both modules read the same certificates: equal results, path aside
    again = [single(batch_dir, "apiserver"), single(batch_dir, "admin", usage="client",
                                                    organizations=["kthw:cluster-admins"], dns_names=[])]
    kept = run_module(x509_certificates, batch(entry(tools, batch_dir, "apiserver", **ca),
                                               entry(tools, batch_dir, "admin", usage="client",
                                                     organizations=["kthw:cluster-admins"], dns_names=[], **ca),
                                               **shared))["certificates"]
    assert [dict((k, v) for k, v in r.items() if k != "path") for r in kept] == again
    assert [r["serial"] for r in kept] == [r["serial"] for r in created]
