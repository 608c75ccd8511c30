# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a key rotation of encryption at rest needs from the apiservers and etcd: which
configuration each apiserver has loaded, a rewrite of every stored object, and the key each
stored value was written with."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import re
import time

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError

# The apiserver sets it at start and on every automatic reload (k8s.io/apiserver,
# encryptionconfig metrics): hash is "sha256:" and the hex digest of the file's bytes.
_LAST_CONFIG_INFO = re.compile(
    r'^apiserver_encryption_config_controller_last_config_info\{[^}]*\bhash="(sha256:[0-9a-f]{64})"[^}]*\}\s+1(?:\.0)?\s*$',
    re.MULTILINE)
# What the apiserver writes before a value it encrypted: k8s:enc:<provider>:v1:<key name>:
_ENCRYPTED_PREFIX = re.compile(br"^k8s:enc:([a-z0-9]+):v1:([^:]+):")
_KMS_PREFIX = re.compile(br"^k8s:enc:kms:v[12]:([^:]+):")


def config_hash(content):
    """The hash an apiserver reports for an encryption configuration file's content."""
    if not isinstance(content, bytes):
        content = content.encode("utf-8")
    return "sha256:" + hashlib.sha256(content).hexdigest()


def loaded_hashes(metrics_text):
    """The encryption configuration hashes an apiserver's /metrics reports as loaded."""
    return set(_LAST_CONFIG_INFO.findall(metrics_text))


def storage_key(value):
    """Which key wrote a raw etcd value: '<provider>:<key name>', 'kms:<plugin>' or 'identity'."""
    match = _ENCRYPTED_PREFIX.match(value)
    if match:
        return "%s:%s" % (match.group(1).decode("ascii"), match.group(2).decode("utf-8", "replace"))
    match = _KMS_PREFIX.match(value)
    if match:
        return "kms:%s" % match.group(1).decode("utf-8", "replace")
    return "identity"


def etcd_prefix(resource):
    """The etcd key prefix of a resource the encryption configuration names: core resources
    ("secrets") are under /registry/<resource>/; "<resource>.<group>" under /registry/<group>/<resource>/
    for resources of API groups that keep a group folder, which this cannot know: refused."""
    if "." in resource or "*" in resource:
        raise KubeApiError("only core resources (such as secrets or configmaps) can be audited in etcd; "
                           "%r is not one" % resource)
    return "/registry/%s/" % resource


def list_path(resource):
    """The collection path, across namespaces, of a core resource."""
    if "." in resource or "*" in resource:
        raise KubeApiError("only core resources (such as secrets or configmaps) can be rewritten; %r is not one"
                           % resource)
    return "/api/v1/%s" % resource


def _item_path(resource, item):
    meta = item["metadata"]
    if meta.get("namespace"):
        return "/api/v1/namespaces/%s/%s/%s" % (meta["namespace"], resource, meta["name"])
    return "/api/v1/%s/%s" % (resource, meta["name"])


def rewrite(client, resources, per_second=50, attempts=5, page=250, sleep=time.sleep, clock=time.monotonic):
    """Replaces every object of each resource with itself, so the apiserver stores it again with
    the configuration's first key (an unchanged object read with another key is written again).
    Paged lists, at most per_second writes, a conflict retried from a fresh read, an object
    deleted meanwhile skipped. Returns {resource: {"rewritten": n, "gone": n, "conflicts": n}}."""
    counts = {}
    interval = 1.0 / per_second if per_second > 0 else 0.0
    next_write = clock()
    for resource in resources:
        done = counts.setdefault(resource, {"rewritten": 0, "gone": 0, "conflicts": 0})
        query = {"limit": page}
        while True:
            listing = client.request("GET", list_path(resource), query=query)
            for item in listing.get("items", []):
                path = _item_path(resource, item)
                for attempt in range(attempts):
                    wait = next_write - clock()
                    if wait > 0:
                        sleep(wait)
                    next_write = max(next_write, clock()) + interval
                    # A list's items carry no kind; a PUT needs both.
                    body = dict(item, apiVersion="v1", kind=listing.get("kind", "List")[:-len("List")])
                    try:
                        client.request("PUT", path, body=body)
                        done["rewritten"] += 1
                        break
                    except KubeApiError as exc:
                        if exc.status_code == 404:
                            done["gone"] += 1
                            break
                        if exc.status_code != 409 or attempt == attempts - 1:
                            raise
                        done["conflicts"] += 1
                        try:
                            item = client.request("GET", path)
                        except KubeApiError as again:
                            if again.status_code != 404:
                                raise
                            done["gone"] += 1
                            break
            token = listing.get("metadata", {}).get("continue")
            if not token:
                break
            query = {"limit": page, "continue": token}
    return counts
