# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a bundle would change and why, decided before anything is written: reads, never writes.

decide_directory and decide_file compare one wanted directory or file (see spec) with what is on
disk and return a Decision: its reasons (REASONS, DIRECTORY_REASONS) and its lstat for the diff.
plan_bundle decides a whole bundle, so that a missing user, group or directory, or anything in
the way, fails before anything changes. attribute_reasons and marks_of are pure.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import hashlib
import os
import posixpath
import stat

from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError
from ansible_collections.kthw.control_plane.plugins.module_utils._files.spec import (
    WantedDirectory, WantedFile, check_bundle)

# What changed_reasons may hold, in the order they are checked.
REASONS = ("missing", "type", "content", "owner", "group", "mode", "absent")
DIRECTORY_REASONS = ("missing", "owner", "group", "mode")

# Opens what is there for reading (or fchown and fchmod) without following a symbolic link.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _read_regular(path):
    """The bytes of a regular file, refusing to follow a symbolic link."""
    fd = os.open(path, READ_FLAGS)
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


def attribute_reasons(current, wanted):
    """Which of owner, group and mode of current (an lstat) differ from wanted, in that order."""
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
    return Decision(wanted, attribute_reasons(current, wanted), current)


def _check_ancestors(path):
    """The nearest existing ancestor of path must be a directory, or no parent can be made."""
    ancestor = posixpath.dirname(path)
    while ancestor != "/" and _lstat(ancestor) is None:
        ancestor = posixpath.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise BundleError("cannot create the directory %s: %s is not a directory" % (path, ancestor))


def decide_file(wanted, directories=frozenset()):
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
    return Decision(wanted, reasons + attribute_reasons(current, wanted), current)


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


def marks_of(decisions):
    """The marks of every file whose content changes: what a new content owes (a restart)."""
    return sorted(set(mark for decision in decisions if decision.rewrite for mark in decision.wanted.marks))


def plan_bundle(directories, entries):
    """(directory decisions, file decisions) of a whole bundle, in the order given; nothing written.

    The arguments are checked first (check_bundle); each directory is decided knowing the ones
    listed before it, each file knowing every directory of the bundle.
    """
    check_bundle(directories, entries)
    directory_decisions, earlier = [], set()
    for wanted_directory in [WantedDirectory.from_entry(entry) for entry in directories]:
        directory_decisions.append(decide_directory(wanted_directory, earlier))
        earlier.add(wanted_directory.path)
    decisions = [decide_file(wanted, earlier) for wanted in [WantedFile.from_entry(entry) for entry in entries]]
    return directory_decisions, decisions
