# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One release of a component, from its URL to its active version, in one pass on the node.

Layout: <root>/<name>/v<version>/bin/<binary> holds a version, <root>/<name>/current links
the active one, <bin_dir>/<binary> links <root>/<name>/current/bin/<binary>. A download is
verified before it is renamed into its version folder, the flags are checked against the new
binary before the switch, and the switch is one rename of a symbolic link, so a failure at
any step leaves the active version as it was. Which release a running service executes is
read by the sibling service module.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import tarfile
import tempfile

from urllib.parse import urlsplit

from ansible_collections.kthw.control_plane.plugins.module_utils._release.errors import ReleaseError

_CHUNK = 1 << 20
_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")
_FLAG = re.compile(r"--([a-z0-9][a-z0-9-]*)")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")


def artifact_file_name(url):
    """The file name the URL points at, which the checksum file lists."""
    name = posixpath.basename(urlsplit(url).path)
    if not name:
        raise ReleaseError("url %s does not name a file" % url)
    return name


def parse_checksum(text, file_name, checksum_url):
    """The SHA-256 of file_name from a checksum file: either a bare digest (Kubernetes'
    <binary>.sha256) or lines of '<digest>  <file>' (etcd's SHA256SUMS)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) == 1 and _DIGEST.match(lines[0]):
        return lines[0].lower()
    for line in lines:
        parts = line.split(None, 1)
        if len(parts) == 2 and _DIGEST.match(parts[0]):
            listed = parts[1].strip().lstrip("*")
            if listed.startswith("./"):
                listed = listed[2:]
            if listed == file_name:
                return parts[0].lower()
    raise ReleaseError("%s lists no SHA-256 for %s: check the checksum URL and that the mirror "
                       "holds the release's checksum file" % (checksum_url, file_name))


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _temp_beside(path):
    """A new private temporary file in path's folder, so that a rename moves it into place."""
    return tempfile.mkstemp(prefix=".%s." % posixpath.basename(path), dir=posixpath.dirname(path))


def store_verified(stream, dest, expected, mode, source, checksum_source):
    """Writes stream beside dest, checks its SHA-256 and only then renames it to dest.

    A mismatch removes the temporary file: nothing of it ever appears at dest.
    """
    fd, temp_path = _temp_beside(dest)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if digest.hexdigest() != expected:
            raise ReleaseError("%s did not match its checksum in %s (SHA-256 expected %s, got %s): the download "
                               "is corrupt or the mirror's file was altered; put the release's own file there"
                               % (source, checksum_source, expected, digest.hexdigest()))
        os.chmod(temp_path, mode)
        os.rename(temp_path, dest)
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)


def _regular_members(archive, binaries, tar_path):
    """The regular member of the archive for each binary: <top folder>/<binary>, exactly one."""
    found = {}
    for member in archive.getmembers():
        parts = member.name.strip("/").split("/")
        if len(parts) == 2 and parts[1] in binaries:
            if not member.isreg():
                raise ReleaseError("%s: %s is not a regular file in the archive" % (tar_path, member.name))
            if parts[1] in found:
                raise ReleaseError("%s holds %s more than once" % (tar_path, parts[1]))
            found[parts[1]] = member
    missing = [name for name in binaries if name not in found]
    if missing:
        raise ReleaseError("%s holds no %s under its top folder: check the release's binaries"
                           % (tar_path, ", ".join(missing)))
    return found


def _member_digest(archive, member):
    handle = archive.extractfile(member)
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(path):
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except (IOError, OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("binaries"), dict) else None


def _matches_manifest(manifest, archive_digest, bin_dir, binaries):
    if not manifest or manifest.get("archive") != archive_digest:
        return False
    for name in binaries:
        dest = posixpath.join(bin_dir, name)
        if name not in manifest["binaries"] or not os.path.isfile(dest) or os.path.islink(dest):
            return False
        if sha256_of(dest) != manifest["binaries"][name]:
            return False
    return True


def unpack_binaries(tar_path, bin_dir, binaries, check_mode=False, archive_digest=None, manifest_path=None):
    """Makes bin_dir/<binary> equal its member of the verified archive; returns those rewritten.

    Every run compares the unpacked binaries with the archive, so an altered binary is replaced
    like an altered download is. With a manifest (the digests of the members, written after an
    unpack) the comparison skips decompressing the archive while it is the same archive.
    """
    if manifest_path and _matches_manifest(_read_manifest(manifest_path), archive_digest, bin_dir, binaries):
        return []
    rewritten, digests = [], {}
    with tarfile.open(tar_path, "r:gz") as archive:
        members = _regular_members(archive, binaries, tar_path)
        for name in binaries:
            dest = posixpath.join(bin_dir, name)
            digests[name] = wanted = _member_digest(archive, members[name])
            if os.path.isfile(dest) and not os.path.islink(dest) and sha256_of(dest) == wanted:
                continue
            rewritten.append(name)
            if not check_mode:
                store_verified(archive.extractfile(members[name]), dest, wanted, 0o755,
                               "%s unpacked from %s" % (name, tar_path), tar_path)
    if manifest_path and not check_mode:
        store_verified_text(manifest_path, json.dumps(dict(archive=archive_digest, binaries=digests), sort_keys=True))
    return rewritten


def store_verified_text(dest, text):
    """Writes a small text file beside dest and renames it into place."""
    data = (text + "\n").encode("utf-8")
    store_verified(io.BytesIO(data), dest, hashlib.sha256(data).hexdigest(), 0o644, dest, dest)


def known_flags(help_text):
    """Every long flag a binary's --help mentions."""
    return set(_FLAG.findall(help_text))


def unknown_flags_message(flags, known, removed, binary, variable):
    """None when every flag is known, else what to fix, one flag per line."""
    unknown = sorted(set(flags) - known)
    if not unknown:
        return None
    lines = ["--%s: %s" % (flag, removed.get(flag) or "not a flag of %s (misspelled, or removed in this release)"
                           % binary) for flag in unknown]
    return "%s\nRemove or rename these in %s; no component was switched or restarted." % ("\n".join(lines), variable)


def switch_link(link, target, check_mode=False):
    """Points the symbolic link at target with one rename; returns the old target or None."""
    try:
        old = os.readlink(link)
    except OSError:
        old = None
        if os.path.lexists(link) and not os.path.islink(link):
            if os.path.isdir(link):
                raise ReleaseError("%s is a directory, expected a symbolic link: move it away" % link)
    if old == target:
        return old
    if not check_mode:
        temp_link = posixpath.join(posixpath.dirname(link), ".%s.%d.tmp" % (posixpath.basename(link), os.getpid()))
        if os.path.lexists(temp_link):
            os.unlink(temp_link)
        os.symlink(target, temp_link)
        try:
            os.rename(temp_link, link)
        except OSError:
            os.unlink(temp_link)
            raise
    return old if old is not None else ""


def check_version(version):
    if not _VERSION.match(version) or version.startswith("v"):
        raise ReleaseError("version %r: give the release number without a leading v, such as 1.37.2" % version)


def scratch_dir():
    """A private folder for check mode, which must not touch the install root."""
    return tempfile.mkdtemp(prefix="kthw-release-")


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
