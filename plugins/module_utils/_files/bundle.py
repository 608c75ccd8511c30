# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A set of directories and small files made to match in one pass: decide everything first, then act.

Directories come first, in the order given: a missing one is created 0700 and then given its
owner and mode, an existing one has its owner, group and mode fixed in place. Each file is
compared by content (SHA-256), owner, group and mode. A file whose content differs is staged
beside it through stage_private (0600 from its first byte, owner and mode set before the
rename), and all staged files are swapped in back to back; a file whose attributes alone differ
is changed in place, first narrowing its mode, so that no one gains access that neither the old
nor the new file grants. Files asked absent are removed last.
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
import stat

from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import stage_private
from ansible_collections.kthw.control_plane.plugins.module_utils._common.modes import octal_mode

# Shared by the module (on the node) and its action plugin (on the controller), documented in
# the module. The action plugin reads src and turns content into content_base64.
CONTENT_OPTIONS = ("src", "content", "content_base64")
ARGUMENT_SPEC = dict(
    directories=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            path=dict(type="path", required=True),
            owner=dict(type="str", default="root"),
            group=dict(type="str"),
            mode=dict(type="raw", default="0755"),
            parents=dict(type="bool", default=False),
        ),
    ),
    files=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            src=dict(type="path"),
            content=dict(type="str", no_log=True),
            content_base64=dict(type="str", no_log=True),
            dest=dict(type="path", required=True),
            owner=dict(type="str", default="root"),
            group=dict(type="str"),
            mode=dict(type="raw", default="0600"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            marks=dict(type="list", elements="path", default=[]),
        ),
        mutually_exclusive=[list(CONTENT_OPTIONS)],
        required_if=[["state", "present", list(CONTENT_OPTIONS), True]],
    ),
)

# What changed_reasons may hold, in the order they are checked.
REASONS = ("missing", "type", "content", "owner", "group", "mode", "absent")
DIRECTORY_REASONS = ("missing", "owner", "group", "mode")

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class BundleError(Exception):
    """A file or directory of the bundle cannot be made as asked; the message names it, never a content.

    changed_files and changed_directories list what was already changed when the error happened.
    """

    def __init__(self, msg, changed_files=None, changed_directories=None):
        super(BundleError, self).__init__(msg)
        self.changed_files = list(changed_files or [])
        self.changed_directories = list(changed_directories or [])


def normalize_dest(dest, option="dest"):
    """The absolute, normalized path of dest, the key duplicates are found by."""
    if not isinstance(dest, str) or not dest.startswith("/"):
        raise BundleError("%s %r must be an absolute path" % (option, dest))
    return posixpath.normpath(dest)


def find_duplicates(dests, option="dest"):
    """The normalized dests that appear more than once, in the order they first repeat."""
    seen, repeated = set(), []
    for dest in dests:
        key = normalize_dest(dest, option)
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    return repeated


def check_bundle(directories, files):
    """What is wrong with the arguments alone; shared with the action plugin, so that such a bundle
    fails on the controller before anything is read or sent."""
    if not directories and not files:
        raise BundleError("nothing to do: give files, directories or both")
    repeated = find_duplicates([entry["path"] for entry in directories], "path")
    if repeated:
        raise BundleError("directory path given more than once: %s" % ", ".join(repeated))
    repeated = find_duplicates([entry["dest"] for entry in files])
    if repeated:
        raise BundleError("dest given more than once: %s" % ", ".join(repeated))
    paths = set(normalize_dest(entry["path"], "path") for entry in directories)
    both = [key for key in (normalize_dest(entry["dest"]) for entry in files) if key in paths]
    if both:
        raise BundleError("given both as a directory path and as a file dest: %s" % ", ".join(both))
    for entry in files:
        _check_absent_entry(entry)


def _check_absent_entry(entry):
    if entry.get("state") == "absent":
        given = [name for name in CONTENT_OPTIONS if entry.get(name) is not None]
        if given:
            raise BundleError("%s of %s: a file with state=absent takes no content"
                              % (", ".join(given), normalize_dest(entry["dest"])))


def parse_mode(mode, dest):
    """The numeric mode: a string is octal ('0600', '600', '0o600'), an int is taken as is."""
    try:
        return octal_mode(mode)
    except ValueError as exc:
        raise BundleError("mode %r of %s: %s" % (mode, dest, exc))


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
    """One file of the bundle as it should be; an absent one has no data, owner or mode."""

    __slots__ = ("dest", "data", "uid", "gid", "mode", "absent", "marks")

    def __init__(self, dest, data, uid, gid, mode, absent=False, marks=()):
        self.dest, self.data, self.uid, self.gid, self.mode, self.absent = dest, data, uid, gid, mode, absent
        self.marks = tuple(marks)

    @property
    def state(self):
        return "absent" if self.absent else "present"

    @classmethod
    def from_entry(cls, entry):
        """From one entry of the files option, as the action plugin sends it."""
        dest = normalize_dest(entry["dest"])
        state = entry.get("state") or "present"
        if state not in ("present", "absent"):
            raise BundleError("state %r of %s: give present or absent" % (state, dest))
        _check_absent_entry(entry)
        if state == "absent":
            # Owner, group and mode are not looked at: there is nothing to give them to.
            return cls(dest, None, None, None, None, absent=True)
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
        marks = [normalize_dest(mark, "marks") for mark in entry.get("marks") or []]
        return cls(dest, data, resolve_user(owner, dest), resolve_group(entry.get("group"), owner, dest),
                   parse_mode(mode, dest), marks=marks)


class WantedDirectory(object):
    """One directory of the bundle as it should be."""

    __slots__ = ("path", "uid", "gid", "mode", "parents")

    def __init__(self, path, uid, gid, mode, parents=False):
        self.path, self.uid, self.gid, self.mode, self.parents = path, uid, gid, mode, parents

    @classmethod
    def from_entry(cls, entry):
        """From one entry of the directories option."""
        path = normalize_dest(entry["path"], "path")
        owner = "root" if entry.get("owner") is None else entry["owner"]
        mode = "0755" if entry.get("mode") is None else entry["mode"]
        return cls(path, resolve_user(owner, path), resolve_group(entry.get("group"), owner, path),
                   parse_mode(mode, path), bool(entry.get("parents")))


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _read_regular(path):
    """The bytes of a regular file, refusing to follow a symbolic link."""
    fd = os.open(path, _READ_FLAGS)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


class Decision(object):
    """What one file or directory needs: its reasons (see REASONS and DIRECTORY_REASONS) and what
    it is now (its lstat, None when missing), for the diff."""

    __slots__ = ("wanted", "reasons", "current")

    def __init__(self, wanted, reasons, current):
        self.wanted, self.reasons, self.current = wanted, reasons, current

    @property
    def changed(self):
        return bool(self.reasons)

    @property
    def rewrite(self):
        return bool(set(self.reasons) & set(("missing", "type", "content")))

    @property
    def remove(self):
        return "absent" in self.reasons


def _lstat(path):
    """The lstat of path, None when nothing is there."""
    try:
        return os.lstat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise BundleError("cannot inspect %s: %s" % (path, exc.strerror or exc))


def _attribute_reasons(current, wanted):
    reasons = []
    if current.st_uid != wanted.uid:
        reasons.append("owner")
    if current.st_gid != wanted.gid:
        reasons.append("group")
    if stat.S_IMODE(current.st_mode) != wanted.mode:
        reasons.append("mode")
    return reasons


def decide_directory(wanted, earlier=frozenset()):
    """Compares one wanted directory with what is on disk; reads, never writes.

    earlier holds the paths listed before it: a missing directory's parent must exist or be one of
    them, unless the entry asks for its missing parents (parents=true, as mkdir -p makes them).
    """
    path = wanted.path
    current = _lstat(path)
    if current is None:
        parent = posixpath.dirname(path)
        if parent not in earlier and not os.path.isdir(parent):
            if not wanted.parents:
                raise BundleError("cannot create the directory %s: its parent %s does not exist and is not listed "
                                  "before it in directories (or set parents=true)" % (path, parent))
            _check_ancestors(path)
        return Decision(wanted, ["missing"], None)
    if stat.S_ISLNK(current.st_mode):
        raise BundleError("%s is a symbolic link, not a directory: remove it first" % path)
    if not stat.S_ISDIR(current.st_mode):
        raise BundleError("%s exists and is not a directory: remove it first" % path)
    return Decision(wanted, _attribute_reasons(current, wanted), current)


def _check_ancestors(path):
    """The nearest existing ancestor of path must be a directory, or no parent can be made."""
    ancestor = posixpath.dirname(path)
    while ancestor != "/" and _lstat(ancestor) is None:
        ancestor = posixpath.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise BundleError("cannot create the directory %s: %s is not a directory" % (path, ancestor))


def decide(wanted, directories=frozenset()):
    """Compares one wanted file with what is on disk; reads, never writes.

    directories holds the paths of the bundle's directories: one of them that is missing yet will be
    made before any file is written, so a file in it is simply missing.
    """
    dest = wanted.dest
    if wanted.absent:
        return _decide_absent(wanted)
    directory = posixpath.dirname(dest)
    if not os.path.isdir(directory):
        if directory in directories:
            return Decision(wanted, ["missing"], None)
        raise BundleError("cannot write %s: the directory %s does not exist" % (dest, directory))
    current = _lstat(dest)
    if current is None:
        return Decision(wanted, ["missing"], None)
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
    return Decision(wanted, reasons + _attribute_reasons(current, wanted), current)


def _decide_absent(wanted):
    """A file or symbolic link there is to be removed; anything else there is not the bundle's to remove."""
    dest = wanted.dest
    current = _lstat(dest)
    if current is None:
        return Decision(wanted, [], None)
    if stat.S_ISREG(current.st_mode) or stat.S_ISLNK(current.st_mode):
        return Decision(wanted, ["absent"], current)
    kind = "a directory" if stat.S_ISDIR(current.st_mode) else "neither a regular file nor a symbolic link"
    raise BundleError("cannot remove %s: it is %s, and state=absent removes only files and symbolic links"
                      % (dest, kind))


def _set_attributes(path, current, uid, gid, mode, is_kind):
    """Owner, group and mode of an existing file or directory, in place, never widening access on the way."""
    fd = os.open(path, _READ_FLAGS)
    try:
        now = os.fstat(fd)
        if not is_kind(now.st_mode) or (now.st_dev, now.st_ino) != (current.st_dev, current.st_ino):
            raise BundleError("%s was replaced while the bundle was being applied" % path)
        now_mode = stat.S_IMODE(now.st_mode)
        if (now.st_uid, now.st_gid) != (uid, gid):
            # Narrow first: whoever the file goes to never sees a mode it was not meant to have.
            if now_mode & ~mode:
                os.fchmod(fd, now_mode & mode)
            os.fchown(fd, uid, gid)
            now_mode = stat.S_IMODE(os.fstat(fd).st_mode)  # chown may clear setuid and setgid
        if now_mode != mode:
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _make_directory(decision, done_directories):
    """Makes one directory match. A missing one is created 0700 (the umask can only narrow that),
    open to the user the module runs as alone, then gets its owner and mode the way an existing one
    is fixed: narrowed to the wanted mode before it changes hands, so never wider than wanted."""
    wanted, current = decision.wanted, decision.current
    if current is None:
        if wanted.parents:
            # Missing parents are made as mkdir -p makes them: root's, 0755 narrowed by the umask.
            parent = posixpath.dirname(wanted.path)
            if not os.path.isdir(parent):
                os.makedirs(parent, 0o755)
        os.mkdir(wanted.path, 0o700)
        done_directories.append(wanted.path)  # changed from here on, even if what follows fails
        current = os.lstat(wanted.path)
    _set_attributes(wanted.path, current, wanted.uid, wanted.gid, wanted.mode, stat.S_ISDIR)
    if wanted.path not in done_directories:
        done_directories.append(wanted.path)


def _cannot_update(path, exc, done=(), done_directories=()):
    return BundleError("cannot update %s: %s" % (path, exc.strerror or exc), done, done_directories)


def marks_of(decisions):
    """The marks of every file whose content changes: what a new content owes (a restart)."""
    return sorted(set(mark for decision in decisions if decision.rewrite for mark in decision.wanted.marks))


def _write_marks(marks, done_directories):
    """Each mark is an empty private file, made (with its folder, 0700) and synced before any
    content changes: a run stopped after the swap leaves the debt recorded for the next run."""
    for mark in marks:
        try:
            folder = os.path.dirname(mark)
            if not os.path.isdir(folder):
                os.makedirs(folder, 0o700)
            descriptor = os.open(mark, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except (IOError, OSError) as exc:
            raise BundleError("cannot write the mark %s: %s" % (mark, exc.strerror or exc), [], done_directories)


def _apply_all(directory_decisions, decisions):
    """Makes every directory, then every file match. Directories first, in order, so that each
    parent is there before its children. New contents are all staged (written and synced beside
    their destination) before the first is moved into place, and then swapped back to back: a
    reader of a certificate and its key (etcd reads them on every handshake) sees a mismatched
    pair for the shortest possible time, and a failure while staging changes no file. Files asked
    absent go last, once whatever replaces them is in place."""
    done_directories, staged, done = [], [], []
    for decision in directory_decisions:
        path = decision.wanted.path
        try:
            _make_directory(decision, done_directories)
        except (IOError, OSError) as exc:
            verb = "create" if decision.current is None else "update"
            raise BundleError("cannot %s the directory %s: %s" % (verb, path, exc.strerror or exc), [], done_directories)
        except BundleError as exc:
            raise BundleError(str(exc), [], done_directories)
    _write_marks(marks_of(decisions), done_directories)
    try:
        for decision in decisions:
            wanted = decision.wanted
            if decision.rewrite:
                try:
                    staged.append((stage_private(wanted.dest, wanted.data, uid=wanted.uid, gid=wanted.gid,
                                                 mode=wanted.mode), decision))
                except (IOError, OSError) as exc:
                    raise _cannot_update(wanted.dest, exc, done, done_directories)
        for temp_path, decision in staged:
            try:
                os.replace(temp_path, decision.wanted.dest)
            except (IOError, OSError) as exc:
                raise _cannot_update(decision.wanted.dest, exc, done, done_directories)
            done.append(decision.wanted.dest)
        for decision in decisions:
            wanted = decision.wanted
            if not decision.rewrite and not decision.remove:
                try:
                    _set_attributes(wanted.dest, decision.current, wanted.uid, wanted.gid, wanted.mode, stat.S_ISREG)
                except (IOError, OSError) as exc:
                    raise _cannot_update(wanted.dest, exc, done, done_directories)
                except BundleError as exc:
                    raise BundleError(str(exc), done, done_directories)
                done.append(wanted.dest)
        for decision in decisions:
            if decision.remove:
                try:
                    os.unlink(decision.wanted.dest)
                except (IOError, OSError) as exc:
                    if exc.errno != errno.ENOENT:
                        raise BundleError("cannot remove %s: %s" % (decision.wanted.dest, exc.strerror or exc),
                                          done, done_directories)
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


def _describe_attributes(uid, gid, mode):
    return "owner: %s\ngroup: %s\nmode: '%04o'\n" % (_user_name(uid), _group_name(gid), mode)


def _describe(uid, gid, mode, content):
    return _describe_attributes(uid, gid, mode) + "content: %s\n" % content


def _describe_current(current, content):
    if stat.S_ISLNK(current.st_mode):
        return "symbolic link\n"
    return _describe(current.st_uid, current.st_gid, stat.S_IMODE(current.st_mode), content)


def diff_of(decision):
    """A diff that names the file and its attributes; the content shows only as changed or not."""
    wanted, current = decision.wanted, decision.current
    if wanted.absent:
        before, after = _describe_current(current, "(current, not shown)"), ""
    else:
        content_changed = decision.rewrite
        before = "" if current is None else _describe_current(
            current, "(current, not shown)" if content_changed else "(not shown)")
        after = _describe(wanted.uid, wanted.gid, wanted.mode, "(new, not shown)" if content_changed else "(not shown)")
    return dict(before_header=wanted.dest, after_header=wanted.dest, before=before, after=after)


def diff_of_directory(decision):
    """A diff of a directory's owner, group and mode; before is empty when it is missing."""
    wanted, current = decision.wanted, decision.current
    before = "" if current is None else _describe_attributes(current.st_uid, current.st_gid,
                                                             stat.S_IMODE(current.st_mode))
    after = _describe_attributes(wanted.uid, wanted.gid, wanted.mode)
    return dict(before_header=wanted.path, after_header=wanted.path, before=before, after=after)


def sync_bundle(entries, directories=(), check_mode=False, diff=False):
    """Makes every directory, then every file of entries match, in order; returns the module's
    result, never contents.

    Every directory and file is decided before anything is written, so a missing user, group or
    directory, or anything in the way, fails the task before it changes anything.
    """
    directories = list(directories or [])
    check_bundle(directories, entries)
    directory_decisions, earlier = [], set()
    for wanted_directory in [WantedDirectory.from_entry(entry) for entry in directories]:
        directory_decisions.append(decide_directory(wanted_directory, earlier))
        earlier.add(wanted_directory.path)
    decisions = [decide(wanted, earlier) for wanted in [WantedFile.from_entry(entry) for entry in entries]]
    changed_directories = [d.wanted.path for d in directory_decisions if d.changed]
    changed_files = [d.wanted.dest for d in decisions if d.changed]
    marked = marks_of(decisions)
    if not check_mode:
        _apply_all([d for d in directory_decisions if d.changed], [d for d in decisions if d.changed])
    result = dict(
        changed=bool(changed_files or changed_directories),
        changed_files=changed_files,
        marked=marked,
        files=[dict(dest=d.wanted.dest, state=d.wanted.state, changed=d.changed, changed_reasons=list(d.reasons))
               for d in decisions],
        changed_directories=changed_directories,
        directories=[dict(path=d.wanted.path, changed=d.changed, changed_reasons=list(d.reasons))
                     for d in directory_decisions],
    )
    if diff:
        result["diff"] = ([diff_of_directory(d) for d in directory_decisions if d.changed]
                          + [diff_of(d) for d in decisions if d.changed])
    return result
