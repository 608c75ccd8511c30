# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What file_bundle returns of a plan (see plan): which files and directories changed and why,
the marks owed, and diffs that name each file and its attributes. A content shows only as changed
or not: nothing here ever returns or reports a file's content.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import grp
import pwd
import stat


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


def diff_of_file(decision):
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


def bundle_result(directory_decisions, decisions, marked, diff=False):
    """The module's result: changed, changed_files, marked, files, changed_directories,
    directories and, when diff is asked, the diff of every directory and file that changes."""
    changed_directories = [d.wanted.path for d in directory_decisions if d.changed]
    changed_files = [d.wanted.dest for d in decisions if d.changed]
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
                          + [diff_of_file(d) for d in decisions if d.changed])
    return result
