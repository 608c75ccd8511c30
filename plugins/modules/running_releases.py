#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: running_releases
short_description: Reads which release of each component a node runs and which one it has active
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - For each component installed by the P(kthw.control_plane.release#module) module, reads the release its
    systemd service's main process executes (from C(/proc/<pid>/exe)) and the release C(current) links.
  - What a node holds, for the skew check, is what it runs. A component whose service is not running
    holds none - there is nothing running to skew against, and it starts on whatever the run leaves
    in C(current) (a release that failed to start can so be replaced by the one before it).
  - The version-skew check of an upgrade reads these, so it judges what the nodes run, not what an
    inventory says they run.
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
  components:
    description: The components to read.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The folder under O(install_root) holding its versions, such as V(etcd).
        type: str
        required: true
      binary:
        description: The binary its service runs; O(components[].name) by default.
        type: str
      service:
        description: Its systemd unit; O(components[].name) with C(.service) by default.
        type: str
  install_root:
    description: Where the versions are installed.
    type: path
    required: true
  pinned:
    description:
      - The release each component is to run, by name, such as C(etcd) to V(3.7.0); a component whose
        running release differs is listed in RV(pending).
    type: dict
    default: {}
notes:
  - Only reads; runs the same in check mode.
"""

EXAMPLES = r"""
- name: Read what the node runs
  kthw.control_plane.running_releases:
    install_root: /opt/kthw
    components:
      - name: etcd
      - name: kube-apiserver
  register: held
"""

RETURN = r"""
releases:
  description: Each component's releases, by name, without the leading C(v).
  returned: always
  type: dict
  sample:
    etcd: {running: 3.6.16, active: 3.7.0, version: 3.6.16}
    kube-apiserver: {running: null, active: 1.37.3, version: null}
  contains:
    running:
      description: The release the service's main process executes; null when it is not running.
      type: str
    active:
      description: The release C(current) links; null when the component was never installed.
      type: str
    version:
      description: What the node holds - the running release; null when the service is not running.
      type: str
pending:
  description: The components that run a release other than the one O(pinned) names, in O(components) order.
  returned: always
  type: list
  elements: str
  sample: [etcd]
"""

import os
import posixpath

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._release.errors import ReleaseError
from ansible_collections.kthw.control_plane.plugins.module_utils._release.service import read_service_state


def _bare(release):
    return release[1:] if release and release.startswith("v") else release


def active_release(name_dir):
    """The version folder current links (v1.2.3), or None when there is no link."""
    try:
        return os.readlink(posixpath.join(name_dir, "current")).rstrip("/")
    except OSError:
        return None


def component_releases(run_command, install_root, component):
    name = component["name"]
    name_dir = posixpath.join(install_root, name)
    active = active_release(name_dir)
    state = read_service_state(run_command, component.get("service") or name + ".service", name_dir,
                               _bare(active) or "0.0.0", component.get("binary") or name)
    running = state["service_release"] if state["service_active"] else None
    return dict(running=_bare(running), active=_bare(active), version=_bare(running))


def pending_upgrade(releases, pinned):
    """Whether a running component runs another release than the pinned one."""
    return bool(pinned) and releases["running"] is not None and releases["running"] != _bare(str(pinned))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            components=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                binary=dict(type="str"),
                service=dict(type="str"),
            )),
            install_root=dict(type="path", required=True),
            pinned=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    try:
        releases = dict((component["name"], component_releases(module.run_command, module.params["install_root"], component))
                        for component in module.params["components"])
    except ReleaseError as exc:
        module.fail_json(msg=str(exc))
    pinned = module.params["pinned"]
    pending = [component["name"] for component in module.params["components"]
               if pending_upgrade(releases[component["name"]], pinned.get(component["name"]))]
    module.exit_json(changed=False, releases=releases, pending=pending)


if __name__ == "__main__":
    main()
