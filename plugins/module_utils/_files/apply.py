# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Makes what a plan decided (see plan): directories, restart marks, then files.

Directories come first, in the order given: a missing one is created 0700 and then given its
owner and mode, an existing one has its owner, group and mode fixed in place. The marks of every
file whose content changes are written next, before any such file. New contents are staged beside
their destination through stage_private (0600 from its first byte, owner and mode set before the
rename), and all staged files are swapped in back to back; a file whose attributes alone differ
is changed in place, first narrowing its mode, so that no one gains access that neither the old
nor the new file grants. Files asked absent are removed last.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import posixpath
import stat

from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import stage_private
from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError
from ansible_collections.kthw.control_plane.plugins.module_utils._files.plan import READ_FLAGS, marks_of


def _set_attributes(path, current, uid, gid, mode, is_kind):
    """Owner, group and mode of an existing file or directory, in place, never widening access on the way."""
    fd = os.open(path, READ_FLAGS)
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


def apply_plan(directory_decisions, decisions):
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
