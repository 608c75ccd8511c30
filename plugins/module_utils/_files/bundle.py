# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A set of small files made to match in one pass: decide every file first, then act.

Each file is compared by content (SHA-256), owner, group and mode. A file whose content
differs is staged beside it through stage_private (0600 from its first byte, owner and
mode set before the rename), and all staged files are swapped in back to back; a file whose
attributes alone differ is changed in place, first narrowing its mode, so that no one gains access that neither the old nor the new file grants.
Nothing here ever returns or reports a file's content.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import errno
import grp
import hashlib
import os
import posixpath
import pwd
import re
import stat

from ansible_collections.kthw.control_plane.plugins.module_utils._files.private import stage_private

# Shared by the module (on the node) and its action plugin (on the controller), documented in
# the module. The action plugin reads src and turns content into content_base64.
ARGUMENT_SPEC = dict(
    files=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            src=dict(type="path"),
            content=dict(type="str", no_log=True),
            content_base64=dict(type="str", no_log=True),
            dest=dict(type="path", required=True),
            owner=dict(type="str", default="root"),
            group=dict(type="str"),
            mode=dict(type="raw", default="0600"),
        ),
        mutually_exclusive=[["src", "content", "content_base64"]],
        required_one_of=[["src", "content", "content_base64"]],
    ),
)

# What changed_reasons may hold, in the order they are checked.
REASONS = ("missing", "type", "content", "owner", "group", "mode")

_OCTAL = re.compile(r"^(?:0o)?([0-7]{1,4})$")
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class BundleError(Exception):
    """A file of the bundle cannot be made as asked; the message names it, never its content.

    changed_files lists the files already changed when the error happened.
    """

    def __init__(self, msg, changed_files=None):
        super(BundleError, self).__init__(msg)
        self.changed_files = list(changed_files or [])


def normalize_dest(dest):
    """The absolute, normalized path of dest, the key duplicates are found by."""
    if not isinstance(dest, str) or not dest.startswith("/"):
        raise BundleError("dest %r must be an absolute path" % (dest,))
    return posixpath.normpath(dest)


def find_duplicates(dests):
    """The normalized dests that appear more than once, in the order they first repeat."""
    seen, repeated = set(), []
    for dest in dests:
        key = normalize_dest(dest)
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    return repeated


def parse_mode(mode, dest):
    """The numeric mode: a string is octal ('0600', '600', '0o600'), an int is taken as is."""
    if isinstance(mode, bool):
        raise BundleError("mode of %s: give a quoted octal mode such as '0600'" % dest)
    if isinstance(mode, int):
        value = mode
    else:
        match = _OCTAL.match(str(mode).strip())
        if not match:
            raise BundleError("mode %r of %s: give a quoted octal mode such as '0600' (symbolic modes are not supported)"
                              % (mode, dest))
        value = int(match.group(1), 8)
    if not 0 <= value <= 0o7777:
        raise BundleError("mode %s of %s is out of range: give a quoted octal mode such as '0600'" % (oct(value), dest))
    return value


def resolve_user(owner, dest):
    """The uid of owner, a user name or a numeric id."""
    owner = str(owner).strip()
    if owner.isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise BundleError("owner %s of %s: no such user on this host" % (owner, dest))


def resolve_group(group, owner, dest):
    """The gid of group, a group name or a numeric id; without one, the group named like the owner."""
    name = str(owner if group is None else group).strip()
    if name.isdigit():
        return int(name)
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        if group is None:
            raise BundleError("group of %s: no group is named like its owner %s on this host; set group" % (dest, name))
        raise BundleError("group %s of %s: no such group on this host" % (name, dest))


class WantedFile(object):
    """One file of the bundle as it should be."""

    __slots__ = ("dest", "data", "uid", "gid", "mode")

    def __init__(self, dest, data, uid, gid, mode):
        self.dest, self.data, self.uid, self.gid, self.mode = dest, data, uid, gid, mode

    @classmethod
    def from_entry(cls, entry):
        """From one entry of the files option, as the action plugin sends it."""
        dest = normalize_dest(entry["dest"])
        if entry.get("src") is not None:
            raise BundleError("src of %s is read on the controller by the action plugin, which was bypassed: "
                              "run the module as a task" % dest)
        if entry.get("content_base64") is not None:
            try:
                data = base64.b64decode(entry["content_base64"], validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise BundleError("content_base64 of %s is not valid base64" % dest)
        elif entry.get("content") is not None:
            data = entry["content"].encode("utf-8", "surrogateescape")
        else:
            raise BundleError("%s: one of src, content or content_base64 is required" % dest)
        owner = "root" if entry.get("owner") is None else entry["owner"]
        mode = "0600" if entry.get("mode") is None else entry["mode"]
        return cls(dest, data, resolve_user(owner, dest), resolve_group(entry.get("group"), owner, dest),
                   parse_mode(mode, dest))


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _read_regular(path):
    """The bytes of a regular file, refusing to follow a symbolic link."""
    fd = os.open(path, _READ_FLAGS)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


class Decision(object):
    """What one file needs: its reasons (see REASONS) and what it is now, for the diff."""

    __slots__ = ("wanted", "reasons", "current")

    def __init__(self, wanted, reasons, current):
        self.wanted, self.reasons, self.current = wanted, reasons, current

    @property
    def changed(self):
        return bool(self.reasons)

    @property
    def rewrite(self):
        return bool(set(self.reasons) & set(("missing", "type", "content")))


def decide(wanted):
    """Compares one wanted file with what is on disk; reads, never writes."""
    dest = wanted.dest
    directory = posixpath.dirname(dest)
    if not os.path.isdir(directory):
        raise BundleError("cannot write %s: the directory %s does not exist" % (dest, directory))
    try:
        current = os.lstat(dest)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return Decision(wanted, ["missing"], None)
        raise BundleError("cannot inspect %s: %s" % (dest, exc.strerror or exc))
    if stat.S_ISLNK(current.st_mode):
        return Decision(wanted, ["type"], current)
    if not stat.S_ISREG(current.st_mode):
        raise BundleError("%s exists and is not a regular file: remove it first" % dest)
    reasons = []
    try:
        if _digest(_read_regular(dest)) != _digest(wanted.data):
            reasons.append("content")
    except (IOError, OSError) as exc:
        raise BundleError("cannot read %s: %s" % (dest, exc.strerror or exc))
    if current.st_uid != wanted.uid:
        reasons.append("owner")
    if current.st_gid != wanted.gid:
        reasons.append("group")
    if stat.S_IMODE(current.st_mode) != wanted.mode:
        reasons.append("mode")
    return Decision(wanted, reasons, current)


def _set_attributes(decision):
    """Owner, group and mode of an existing file, in place, never widening access on the way."""
    wanted, current = decision.wanted, decision.current
    fd = os.open(wanted.dest, _READ_FLAGS)
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (current.st_dev, current.st_ino):
            raise BundleError("%s was replaced while the bundle was being applied" % wanted.dest)
        mode = stat.S_IMODE(now.st_mode)
        if (now.st_uid, now.st_gid) != (wanted.uid, wanted.gid):
            # Narrow first: whoever the file goes to never sees a mode it was not meant to have.
            if mode & ~wanted.mode:
                os.fchmod(fd, mode & wanted.mode)
            os.fchown(fd, wanted.uid, wanted.gid)
            mode = stat.S_IMODE(os.fstat(fd).st_mode)  # chown may clear setuid and setgid
        if mode != wanted.mode:
            os.fchmod(fd, wanted.mode)
    finally:
        os.close(fd)


def _cannot_update(dest, exc, done=()):
    return BundleError("cannot update %s: %s" % (dest, exc.strerror or exc), done)


def _apply_all(decisions):
    """Makes every file match. New contents are all staged (written and synced beside their
    destination) before the first is moved into place, and then swapped back to back: a reader
    of a certificate and its key (etcd reads them on every handshake) sees a mismatched pair for
    the shortest possible time, and a failure while staging changes no file."""
    staged, done = [], []
    try:
        for decision in decisions:
            wanted = decision.wanted
            if decision.rewrite:
                try:
                    staged.append((stage_private(wanted.dest, wanted.data, uid=wanted.uid, gid=wanted.gid,
                                                 mode=wanted.mode), decision))
                except (IOError, OSError) as exc:
                    raise _cannot_update(wanted.dest, exc)
        for temp_path, decision in staged:
            try:
                os.replace(temp_path, decision.wanted.dest)
            except (IOError, OSError) as exc:
                raise _cannot_update(decision.wanted.dest, exc, done)
            done.append(decision.wanted.dest)
        for decision in decisions:
            if not decision.rewrite:
                try:
                    _set_attributes(decision)
                except (IOError, OSError) as exc:
                    raise _cannot_update(decision.wanted.dest, exc, done)
                done.append(decision.wanted.dest)
    finally:
        for temp_path, dummy in staged:
            if os.path.exists(temp_path):
                os.unlink(temp_path)


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _describe(uid, gid, mode, content):
    return "owner: %s\ngroup: %s\nmode: '%04o'\ncontent: %s\n" % (_user_name(uid), _group_name(gid), mode, content)


def diff_of(decision):
    """A diff that names the file and its attributes; the content shows only as changed or not."""
    wanted, current = decision.wanted, decision.current
    content_changed = decision.rewrite
    if current is None or stat.S_ISLNK(current.st_mode):
        before = "" if current is None else "symbolic link\n"
    else:
        before = _describe(current.st_uid, current.st_gid, stat.S_IMODE(current.st_mode),
                           "(current, not shown)" if content_changed else "(not shown)")
    after = _describe(wanted.uid, wanted.gid, wanted.mode, "(new, not shown)" if content_changed else "(not shown)")
    return dict(before_header=wanted.dest, after_header=wanted.dest, before=before, after=after)


def sync_bundle(entries, check_mode=False, diff=False):
    """Makes every file of entries match, in order; returns the module's result, never contents.

    Every file is decided before any is written, so a missing user, group or directory fails the
    task before it changes anything.
    """
    duplicates = find_duplicates([entry["dest"] for entry in entries])
    if duplicates:
        raise BundleError("dest given more than once: %s" % ", ".join(duplicates))
    decisions = [decide(WantedFile.from_entry(entry)) for entry in entries]
    changed_files = [d.wanted.dest for d in decisions if d.changed]
    if not check_mode:
        _apply_all([d for d in decisions if d.changed])
    result = dict(
        changed=bool(changed_files),
        changed_files=changed_files,
        files=[dict(dest=d.wanted.dest, changed=d.changed, changed_reasons=list(d.reasons)) for d in decisions],
    )
    if diff:
        result["diff"] = [diff_of(d) for d in decisions if d.changed]
    return result
