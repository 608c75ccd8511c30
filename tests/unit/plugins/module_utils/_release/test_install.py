"""The release installer's pieces: checksum files, verified writes, tarball members, flags
and the atomic switch (which release a running process executes: test_service.py)."""

import hashlib
import io
import os
import stat
import tarfile

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._release.install import (
    ReleaseError, artifact_file_name, known_flags, parse_checksum, store_verified, switch_link,
    unknown_flags_message, unpack_binaries)

DIGEST = "a" * 64
OTHER = "b" * 64


def sha(data):
    return hashlib.sha256(data).hexdigest()


def make_tarball(path, members, top="etcd-v3.7.0-linux-amd64"):
    with tarfile.open(str(path), "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo("%s/%s" % (top, name))
            info.size, info.mode = len(data), 0o755
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("url, name", [
    ("https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/kube-apiserver", "kube-apiserver"),
    ("http://mirror:8080/etcd/v3.7.0/etcd-v3.7.0-linux-amd64.tar.gz?x=1#frag", "etcd-v3.7.0-linux-amd64.tar.gz"),
    ("file:///srv/mirror/kubectl", "kubectl"),
])
def test_the_artifact_name_is_the_last_path_segment(url, name):
    assert artifact_file_name(url) == name


def test_a_url_without_a_file_name_is_refused():
    with pytest.raises(ReleaseError, match="does not name a file"):
        artifact_file_name("https://dl.k8s.io/")


def test_a_bare_digest_is_the_checksum_of_the_file_whatever_its_name():
    assert parse_checksum(DIGEST.upper() + "\n", "kubectl", "u") == DIGEST


def test_a_sums_list_gives_the_line_naming_the_file():
    text = "%s  etcd-v3.7.0-darwin-amd64.zip\n%s *./etcd-v3.7.0-linux-amd64.tar.gz\n" % (OTHER, DIGEST)
    assert parse_checksum(text, "etcd-v3.7.0-linux-amd64.tar.gz", "u") == DIGEST


def test_a_sums_list_without_the_file_names_both():
    with pytest.raises(ReleaseError) as caught:
        parse_checksum("%s  other.tar.gz\n" % DIGEST, "etcd.tar.gz", "http://m/SHA256SUMS")
    assert "http://m/SHA256SUMS" in str(caught.value) and "etcd.tar.gz" in str(caught.value)


def test_a_verified_write_lands_with_its_mode(tmp_path):
    dest = tmp_path / "kubectl"
    store_verified(io.BytesIO(b"binary"), str(dest), sha(b"binary"), 0o755, "src", "sums")
    assert dest.read_bytes() == b"binary" and stat.S_IMODE(dest.stat().st_mode) == 0o755
    assert os.listdir(str(tmp_path)) == ["kubectl"]


def test_a_mismatch_leaves_nothing_and_names_both_urls(tmp_path):
    dest = tmp_path / "kubectl"
    dest.write_bytes(b"the old one")
    with pytest.raises(ReleaseError) as caught:
        store_verified(io.BytesIO(b"tampered"), str(dest), sha(b"genuine"), 0o755, "http://m/kubectl",
                       "http://m/kubectl.sha256")
    message = str(caught.value)
    assert "http://m/kubectl did not match its checksum in http://m/kubectl.sha256" in message
    assert dest.read_bytes() == b"the old one" and os.listdir(str(tmp_path)) == ["kubectl"]


def test_only_the_named_binaries_are_unpacked_and_kept_equal_to_the_archive(tmp_path):
    archive = make_tarball(tmp_path / "etcd.tar.gz", {"etcd": b"server", "etcdctl": b"ctl", "README.md": b"doc"})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"]) == ["etcd", "etcdctl"]
    assert sorted(os.listdir(str(bin_dir))) == ["etcd", "etcdctl"]
    assert (bin_dir / "etcd").read_bytes() == b"server"
    assert stat.S_IMODE((bin_dir / "etcd").stat().st_mode) == 0o755
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"]) == []
    (bin_dir / "etcdctl").write_bytes(b"altered")
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"], check_mode=True) == ["etcdctl"]
    assert (bin_dir / "etcdctl").read_bytes() == b"altered"
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"]) == ["etcdctl"]
    assert (bin_dir / "etcdctl").read_bytes() == b"ctl"


def test_a_binary_missing_from_the_archive_is_named(tmp_path):
    archive = make_tarball(tmp_path / "etcd.tar.gz", {"etcd": b"server"})
    with pytest.raises(ReleaseError, match="holds no etcdutl"):
        unpack_binaries(str(archive), str(tmp_path), ["etcd", "etcdutl"])


def test_a_link_in_place_of_a_binary_is_refused(tmp_path):
    path = tmp_path / "etcd.tar.gz"
    with tarfile.open(str(path), "w:gz") as archive:
        info = tarfile.TarInfo("top/etcd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
        archive.addfile(info)
    with pytest.raises(ReleaseError, match="not a regular file"):
        unpack_binaries(str(path), str(tmp_path), ["etcd"])
    assert not os.path.lexists(str(tmp_path / "etcd"))


def test_flags_are_read_from_help_and_unknown_ones_named_with_their_hint():
    known = known_flags("Usage:\n  --name string\n      --data-dir string   Path\n  -h, --help\n")
    assert {"name", "data-dir", "help"} <= known
    assert unknown_flags_message(["name", "data-dir"], known, {}, "etcd", "etcd_extra_flags") is None
    message = unknown_flags_message(["name", "enable-v2", "nmae"], known, {"enable-v2": "removed in 3.6."},
                                    "etcd", "etcd_extra_flags")
    assert message.splitlines()[:2] == ["--enable-v2: removed in 3.6.",
                                        "--nmae: not a flag of etcd (misspelled, or removed in this release)"]
    assert "etcd_extra_flags" in message


def test_the_switch_replaces_the_link_in_one_step_and_reports_the_old_target(tmp_path):
    link = str(tmp_path / "current")
    assert switch_link(link, "v1", check_mode=True) == "" and not os.path.lexists(link)
    assert switch_link(link, "v1") == "" and os.readlink(link) == "v1"
    assert switch_link(link, "v1") == "v1"
    assert switch_link(link, "v2", check_mode=True) == "v1" and os.readlink(link) == "v1"
    assert switch_link(link, "v2") == "v1" and os.readlink(link) == "v2"
    assert os.listdir(str(tmp_path)) == ["current"]


def test_a_file_in_place_of_the_link_is_replaced_but_a_folder_is_refused(tmp_path):
    (tmp_path / "kubectl").write_bytes(b"an old copy")
    assert switch_link(str(tmp_path / "kubectl"), "/opt/kthw/kubectl/current/bin/kubectl") == ""
    assert os.path.islink(str(tmp_path / "kubectl"))
    (tmp_path / "current").mkdir()
    with pytest.raises(ReleaseError, match="is a directory"):
        switch_link(str(tmp_path / "current"), "v1")


def test_the_manifest_spares_the_archive_until_a_binary_or_the_archive_differs(tmp_path, monkeypatch):
    archive = make_tarball(tmp_path / "etcd.tar.gz", {"etcd": b"server", "etcdctl": b"ctl"})
    digest = sha(archive.read_bytes())
    bin_dir, manifest = tmp_path / "bin", str(tmp_path / ".unpacked.json")
    bin_dir.mkdir()
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"], archive_digest=digest,
                           manifest_path=manifest) == ["etcd", "etcdctl"]
    real_open, opened = tarfile.open, []
    monkeypatch.setattr(tarfile, "open", lambda *a, **kw: opened.append(a) or real_open(*a, **kw))
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"], archive_digest=digest,
                           manifest_path=manifest) == [] and opened == []
    (bin_dir / "etcd").write_bytes(b"altered")
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"], archive_digest=digest,
                           manifest_path=manifest) == ["etcd"] and len(opened) == 1
    assert unpack_binaries(str(archive), str(bin_dir), ["etcd", "etcdctl"], archive_digest="c" * 64,
                           manifest_path=manifest) == [] and len(opened) == 2
