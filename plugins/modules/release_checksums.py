#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: release_checksums
short_description: Checks that the checksum files of releases can be fetched, all in one run
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - Fetches every URL of O(urls) the way M(kthw.control_plane.release) fetches a checksum file
    (C(https://), C(http://) or C(file://)) and reports which ones could not be fetched, so that a
    release missing from the download location is refused before anything is installed.
  - Never fails on a missing file; the caller decides, with every failure at hand.
  - Changes nothing.
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
  urls:
    description: The checksum files.
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 30
  validate_certs:
    description: Verify the server certificates of C(https://) URLs.
    type: bool
    default: true
  ca_path:
    description: A CA bundle to verify them with, in place of the system's.
    type: path
seealso:
  - module: kthw.control_plane.release
"""

EXAMPLES = r"""
- name: Check the mirror holds the releases
  kthw.control_plane.release_checksums:
    urls:
      - https://mirror.example/kubernetes/v1.37.2/bin/linux/amd64/kube-apiserver.sha256
      - file:///srv/mirror/etcd/v3.7.0/SHA256SUMS
  register: fetched

- name: Stop unless every checksum file is there
  ansible.builtin.assert:
    that: fetched.missing | length == 0
"""

RETURN = r"""
results:
  description: One entry per URL of O(urls), in order.
  returned: always
  type: list
  elements: dict
  contains:
    url:
      description: The URL.
      type: str
    fetched:
      description: Whether the file could be read.
      type: bool
    status:
      description: The HTTP status, or V(-1) when there was no answer; V(200) for a readable C(file://) URL.
      type: int
    msg:
      description: Why the file could not be fetched; empty when it was.
      type: str
missing:
  description: The entries of RV(results) that could not be fetched.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import fetch_url


def fetch(module, url):
    """Whether url can be read, with the status and the reason when it cannot."""
    response, info = fetch_url(module, url, timeout=module.params["timeout"])
    status = info.get("status")
    # A file:// answer carries no HTTP status.
    fetched = response is not None and status in (200, None)
    if fetched:
        response.read()
    return dict(url=url, fetched=fetched, status=200 if fetched else (status if isinstance(status, int) else -1),
                msg="" if fetched else info.get("msg", "no answer"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            urls=dict(type="list", elements="str", required=True),
            timeout=dict(type="int", default=30),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    results = [fetch(module, url) for url in module.params["urls"]]
    module.exit_json(changed=False, results=results, missing=[r for r in results if not r["fetched"]])


if __name__ == "__main__":
    main()
