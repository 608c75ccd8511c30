#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: release
short_description: Installs a checksum-verified release, checks its flags, switches to it, in one call
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Makes one release of a component present and active on the node with a single remote call,
    where separate tasks take one round trip each for the folder, the download, the unpacking,
    the flag check, the switch, the links and the service's state.
  - Layout is C(<install_root>/<name>/v<version>/bin/<binary>) for each version,
    C(<install_root>/<name>/current) a symbolic link to the active version and
    C(<bin_dir>/<binary>) a symbolic link to C(<install_root>/<name>/current/bin/<binary>).
  - On every run the published checksum file is read and the artifact in the version folder is
    compared with it; a missing or altered artifact is downloaded again. A download is written
    beside its destination and renamed into place only once its SHA-256 matches, so a corrupt or
    tampered file never reaches the version folder.
  - A tarball's binaries are compared on every run with the digests of their members, recorded in
    C(<version>/.unpacked.json) when they were unpacked (the archive itself is read again when that
    record is missing or is of another archive), and unpacked again when they differ; only the named
    binaries are unpacked, never links or other members.
  - With O(flags), the new binary's own C(--help) is read and every flag it does not know fails
    the task before the switch, with the hint from O(removed_flags) when there is one.
  - The switch renames a new symbolic link over C(current), so the active version is either the
    old one or the new one, never missing. Any failure before it leaves the active version as it was.
  - With O(service), the release the running process executes (from C(/proc/<pid>/exe)) is compared
    with the active one, so a caller can restart a component that runs an older or a replaced binary,
    even when an earlier run stopped between the switch and the restart.
  - In check mode nothing under O(install_root) or O(bin_dir) changes; an artifact that would be
    downloaded is downloaded into a temporary folder so that its checksum and flags are still checked.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  name:
    description: Folder under O(install_root) holding the versions, for example V(etcd) or V(kube-apiserver).
    type: str
    required: true
  version:
    description: Release number without the leading V(v), for example V(1.37.2).
    type: str
    required: true
  url:
    description:
      - URL of the executable or the tarball, V(https://), V(http://) or V(file://).
      - Its file name is looked up in the checksum file.
    type: str
    required: true
  checksum_url:
    description:
      - URL of the published SHA-256 checksum file, either a bare digest (Kubernetes'
        C(<binary>.sha256)) or lines of C(<digest>  <file name>) (etcd's C(SHA256SUMS)).
    type: str
    required: true
  format:
    description:
      - V(binary) - O(url) is the executable itself; O(binaries) must be its file name.
      - V(tarball) - O(url) is a C(.tar.gz) with one top folder holding O(binaries).
    type: str
    choices: [binary, tarball]
    default: binary
  binaries:
    description: Executables of the release, linked into O(bin_dir) from the active version.
    type: list
    elements: str
    required: true
  install_root:
    description: Folder holding one folder per component.
    type: path
    required: true
  bin_dir:
    description: Folder the commands are linked into.
    type: path
    required: true
  defer_switch:
    description:
      - When O(service) is running, leave C(current) on the release it runs and report
        RV(switch_pending); the caller switches C(current) (an atomic link to C(v<version>)) inside
        its one-node-at-a-time restart, so a release that fails its health gate on the first node
        is never switched in on the others.
      - A service that is not running is switched at once.
    type: bool
    default: false
  restart_marker:
    description:
      - A mark that an earlier run left on the node (O(kthw.control_plane.file_bundle#module:files[].marks)) when it
        changed a file of the service and may have stopped before restarting it; reported as RV(restart_owed).
    type: path
  flags:
    description:
      - Names of the flags (without C(--)) the component will be started with, checked against the C(--help)
        of the first of O(binaries).
    type: list
    elements: str
    default: []
  removed_flags:
    description: Hints for flags that releases removed, by flag name, shown instead of the generic message.
    type: dict
    default: {}
  flags_variable:
    description: The variable the flags come from, named in the failure message.
    type: str
    default: the flags
  service:
    description:
      - The systemd unit that runs the first of O(binaries), whose running process is compared with the active release.
      - The process's executable is read from C(/proc/<pid>/exe). Where that is denied (a process of another
        user, without C(CAP_SYS_PTRACE), as in an unprivileged container), the process runs the active release
        when it started after the switch to it and after its binary was last replaced.
    type: str
  timeout:
    description: Seconds a download may stall before it fails.
    type: int
    default: 60
  validate_certs:
    description: Whether to verify the TLS certificates of O(url) and O(checksum_url).
    type: bool
    default: true
  ca_path:
    description: A PEM file of the certificate authorities that sign a private mirror's certificate.
    type: path
notes:
  - The checksum file must come from a source you trust as much as the artifact, such as the same
    mirror filled from the release's published files.
seealso:
  - module: ansible.builtin.get_url
  - module: ansible.builtin.unarchive
"""

EXAMPLES = r"""
- name: Install etcd v3.7.0 and check the flags it will be started with
  kthw.control_plane.release:
    name: etcd
    version: 3.7.0
    url: https://github.com/etcd-io/etcd/releases/download/v3.7.0/etcd-v3.7.0-linux-amd64.tar.gz
    checksum_url: https://github.com/etcd-io/etcd/releases/download/v3.7.0/SHA256SUMS
    format: tarball
    binaries: [etcd, etcdctl, etcdutl]
    install_root: /opt/kthw
    bin_dir: /usr/local/bin
    flags: [name, data-dir, listen-client-urls]
    flags_variable: etcd_extra_flags
    service: etcd.service
  register: etcd_release

- name: Restart etcd when it runs another release than the active one
  ansible.builtin.systemd_service:
    name: etcd
    state: restarted
  when: etcd_release.restart_needed
"""

RETURN = r"""
version_dir:
  description: The folder of this version.
  returned: always
  type: str
  sample: /opt/kthw/etcd/v3.7.0
downloaded:
  description: Whether the artifact was (or in check mode would be) downloaded.
  returned: always
  type: bool
unpacked:
  description: The binaries unpacked from the tarball (or in check mode that would be).
  returned: always
  type: list
  elements: str
switched:
  description: Whether C(current) was (or would be) switched to this version.
  returned: always
  type: bool
restart_owed:
  description: Whether O(restart_marker) exists, that is a restart of the service is still owed for files an earlier run changed.
  returned: always
  type: bool
switch_pending:
  description:
    - With O(defer_switch), whether the running service's C(current) still links another release;
      the caller switches it (to V(v<version>)) right before it restarts the service.
  returned: always
  type: bool
previous_version:
  description: The version folder C(current) linked before, such as V(v3.6.5); V(null) on a first install.
  returned: always
  type: str
linked:
  description: The commands whose link in O(bin_dir) was (or would be) created or changed.
  returned: always
  type: list
  elements: str
service_active:
  description: Whether O(service) was active.
  returned: when O(service) is given
  type: bool
service_release:
  description: The version folder the running process executes from; V(null) when not running or not from O(install_root).
  returned: when O(service) is given
  type: str
  sample: v3.7.0
service_enabled:
  description: Whether O(service) is enabled (C(UnitFileState=enabled)), so that a caller can skip starting it.
  returned: when O(service) is given
  type: bool
service_unit_stale:
  description:
    - Whether the unit's files changed on disk since systemd loaded them (C(NeedDaemonReload)), as after
      a run that wrote the unit and stopped before reloading it.
  returned: when O(service) is given
  type: bool
restart_needed:
  description:
    - Whether O(service) is active and runs something else than this release, or a binary replaced
      since it started.
  returned: when O(service) is given
  type: bool
"""

import os
import posixpath

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.urls import fetch_url
from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import make_dirs
from ansible_collections.kthw.control_plane.plugins.module_utils._release.errors import ReleaseError
from ansible_collections.kthw.control_plane.plugins.module_utils._release.install import (
    artifact_file_name, check_version, known_flags, parse_checksum, remove_tree, scratch_dir, sha256_of,
    store_verified, switch_link, unknown_flags_message, unpack_binaries)
from ansible_collections.kthw.control_plane.plugins.module_utils._release.service import read_service_state


def _open(module, url):
    """The response of url, or a ReleaseError naming it and the HTTP status."""
    response, info = fetch_url(module, url, timeout=module.params["timeout"])
    status = info.get("status")
    if response is None or status not in (200, None):
        detail = "HTTP %s" % status if isinstance(status, int) and status > 0 else info.get("msg", "no answer")
        raise ReleaseError("cannot download %s: %s. Check the download base URL and that the mirror holds "
                           "this release" % (url, detail))
    return response


def _is_verified(path, expected):
    return os.path.isfile(path) and not os.path.islink(path) and sha256_of(path) == expected


def _help_text(module, binary):
    rc, out, err = module.run_command([binary, "--help"])
    text = "%s\n%s" % (out, err)
    if rc != 0 and not known_flags(text):
        raise ReleaseError("cannot run %s --help (rc %s): %s. Check cluster_arch matches the nodes"
                           % (binary, rc, (err or out).strip()[:300]))
    return text


def _name_dir(params):
    return posixpath.join(params["install_root"], params["name"])


def install(module):
    """Makes the version folder hold the verified release and checks the flags against its binary;
    the active version is not touched (see activate)."""
    params = module.params
    check_mode = module.check_mode
    name, version, binaries = params["name"], params["version"], params["binaries"]
    check_version(version)
    if not binaries:
        raise ReleaseError("binaries is empty: name the executables of %s" % name)
    file_name = artifact_file_name(params["url"])
    if params["format"] == "binary" and binaries != [file_name]:
        raise ReleaseError("format binary installs the file the URL names: binaries must be [%s], not %s"
                           % (file_name, binaries))
    version_dir = posixpath.join(_name_dir(params), "v" + version)
    version_bin = posixpath.join(version_dir, "bin")
    result = dict(version_dir=version_dir, downloaded=False, unpacked=[])

    checksum_response = _open(module, params["checksum_url"])
    expected = parse_checksum(to_text(checksum_response.read(), errors="surrogate_or_strict"),
                              file_name, params["checksum_url"])
    artifact_dir = version_bin if params["format"] == "binary" else version_dir
    artifact = posixpath.join(artifact_dir, file_name)
    scratch = None
    try:
        # binaries_dir: where the binaries checked by --help are; in check mode a scratch folder.
        binaries_dir = version_bin
        if not _is_verified(artifact, expected):
            result["downloaded"] = True
            if check_mode:
                scratch = scratch_dir()
                artifact = posixpath.join(scratch, file_name)
                binaries_dir = scratch
            else:
                make_dirs(version_bin, 0o755)
            store_verified(_open(module, params["url"]), artifact, expected,
                           0o755 if params["format"] == "binary" else 0o644, params["url"], params["checksum_url"])
        if params["format"] == "tarball":
            manifest = posixpath.join(version_dir, ".unpacked.json")
            if not check_mode:
                make_dirs(version_bin, 0o755)
                result["unpacked"] = unpack_binaries(artifact, version_bin, binaries, archive_digest=expected,
                                                     manifest_path=manifest)
            else:
                # A downloaded archive unpacks all; otherwise compare with the version folder.
                result["unpacked"] = list(binaries) if scratch else unpack_binaries(
                    artifact, version_bin, binaries, check_mode=True, archive_digest=expected, manifest_path=manifest)
                if result["unpacked"]:
                    # --help needs the binaries: unpacked into a scratch folder, without a manifest.
                    scratch = binaries_dir = scratch or scratch_dir()
                    unpack_binaries(artifact, scratch, binaries)

        if params["flags"]:
            problem = unknown_flags_message(params["flags"], known_flags(_help_text(
                module, posixpath.join(binaries_dir, binaries[0]))), params["removed_flags"], binaries[0],
                params["flags_variable"])
            if problem:
                raise ReleaseError(problem)
    finally:
        if scratch:
            remove_tree(scratch)
    return result


def activate(module, defer):
    """Switches current to the release, unless defer (its service runs) and it links another one,
    and links the commands through current."""
    params = module.params
    check_mode = module.check_mode
    name_dir = _name_dir(params)
    target = "v" + params["version"]
    current = posixpath.join(name_dir, "current")
    result = dict(switched=False, switch_pending=False, previous_version=None, linked=[])
    if defer:
        try:
            result["previous_version"] = os.readlink(current)
        except OSError:
            result["previous_version"] = None
        result["switch_pending"] = result["previous_version"] != target
    if not result["switch_pending"]:
        previous = switch_link(current, target, check_mode)
        result["previous_version"] = previous or None
        result["switched"] = previous != target
    for binary in params["binaries"]:
        link_target = posixpath.join(name_dir, "current", "bin", binary)
        if switch_link(posixpath.join(params["bin_dir"], binary), link_target, check_mode) != link_target:
            result["linked"].append(binary)
    return result


def run(module):
    """Installs the release, reads its service, then activates it."""
    params = module.params
    result = install(module)
    # Read after the install (a binary it replaced counts as replaced) and before any switch:
    # a running service defers the switch to its caller's restart.
    service_state = read_service_state(module.run_command, params["service"], _name_dir(params), params["version"],
                                       params["binaries"][0]) if params["service"] else {}
    result.update(activate(module, defer=params["defer_switch"] and service_state.get("service_active")))
    result["restart_owed"] = bool(params["restart_marker"]) and os.path.exists(params["restart_marker"])
    result.update(service_state)
    result["changed"] = bool(result["downloaded"] or result["unpacked"] or result["switched"] or result["linked"])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            version=dict(type="str", required=True),
            url=dict(type="str", required=True),
            checksum_url=dict(type="str", required=True),
            format=dict(type="str", choices=["binary", "tarball"], default="binary"),
            binaries=dict(type="list", elements="str", required=True),
            install_root=dict(type="path", required=True),
            bin_dir=dict(type="path", required=True),
            defer_switch=dict(type="bool", default=False),
            restart_marker=dict(type="path"),
            flags=dict(type="list", elements="str", default=[]),
            removed_flags=dict(type="dict", default={}),
            flags_variable=dict(type="str", default="the flags"),
            service=dict(type="str"),
            timeout=dict(type="int", default=60),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except ReleaseError as exc:
        module.fail_json(msg="%s. The active version of %s is unchanged."
                         % (str(exc).rstrip("."), module.params["name"]))
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot install %s v%s: %s. The active version is unchanged unless the "
                         "message names its link." % (module.params["name"], module.params["version"], to_text(exc)))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
