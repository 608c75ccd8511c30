# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What file_bundle is asked for: the argument spec, the checks of the arguments alone, and each
entry turned into the file or directory it should be (WantedFile, WantedDirectory).

Shared by the module (on the node) and its action plugin (on the controller). Reads the user and
group databases to resolve owners; never looks at the files themselves.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import grp
import posixpath
import pwd

from ansible_collections.kthw.control_plane.plugins.module_utils._common.modes import octal_mode
from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError

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
