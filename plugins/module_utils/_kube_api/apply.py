# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side apply and delete of a list of objects, with changed meaning really changed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import object_path
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.objects import (
    DRY_RUN_CREATE_METADATA, changed, identity, redacted, stripped)

APPLY_PATCH = "application/apply-patch+yaml"
DEFAULT_FIELD_MANAGER = "kthw.control_plane"
CHANGING_METHODS = ("created", "updated", "deleted")


def decide(state, before, after=None):
    """What applying does to an object: created, updated, unchanged, deleted or absent.

    before is the object as it was (None: it did not exist); after is what the apply answered."""
    if state == "absent":
        return "absent" if before is None else "deleted"
    if before is None:
        return "created"
    return "updated" if changed(before, after) else "unchanged"


def _header(kind, namespace, name):
    return "%s %s" % (kind, "%s/%s" % (namespace, name) if namespace else name)


class KubeApply(object):
    """Applies (state present) or deletes (state absent) objects one by one, in order.

    results holds what was done so far, also when a later object fails."""

    def __init__(self, client, field_manager=DEFAULT_FIELD_MANAGER, force_conflicts=False,
                 check_mode=False, diff=False):
        self.client = client
        self.field_manager = field_manager
        self.force_conflicts = force_conflicts
        self.check_mode = check_mode
        self.diff = diff
        self.results = []
        self.diffs = []

    @property
    def changed(self):
        return any(result["changed"] for result in self.results)

    def run(self, objects, state="present"):
        # Resolve every path first: a wrong kind or scope in the last document changes nothing.
        planned = [(obj, self.path(obj)) for obj in objects]
        for obj, path in planned:
            if state == "absent":
                self._delete(obj, path)
            else:
                self._apply(obj, path)
        result = dict(changed=self.changed, results=self.results)
        if self.diff:
            result["diff"] = self.diffs
        return result

    def path(self, obj):
        api_version, kind, namespace, name = identity(obj)
        resource = self.client.resource(api_version, kind)
        if resource.namespaced and not namespace:
            raise KubeApiError("%s %s is namespaced: set metadata.namespace" % (kind, name))
        if not resource.namespaced and namespace:
            raise KubeApiError("%s %s is cluster-scoped: remove metadata.namespace (%s)" % (kind, name, namespace))
        return object_path(api_version, resource.plural, name, namespace)

    def _get(self, path):
        try:
            return self.client.request("GET", path)
        except KubeApiError as exc:
            if exc.status_code == 404:
                return None
            raise

    def _apply(self, obj, path):
        before = self._get(path)
        query = [("fieldManager", self.field_manager), ("force", "true" if self.force_conflicts else "false")]
        if self.check_mode:
            query.append(("dryRun", "All"))
        after = self.client.request("PATCH", path, query=query, body=obj, content_type=APPLY_PATCH)
        method = decide("present", before, after)
        invented = DRY_RUN_CREATE_METADATA if self.check_mode and before is None else ()
        self._record(obj, method, before, stripped(after, invented))

    def _delete(self, obj, path):
        before = self._get(path)
        method = decide("absent", before)
        if before is not None:
            query = [("dryRun", "All")] if self.check_mode else None
            options = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
            try:
                self.client.request("DELETE", path, query=query, body=options)
            except KubeApiError as exc:
                if exc.status_code != 404:
                    raise
                method = "absent"  # deleted by someone else meanwhile
        self._record(obj, method, before, None)

    def _record(self, obj, method, before, after):
        api_version, kind, namespace, name = identity(obj)
        before = stripped(before)
        is_change = method in CHANGING_METHODS
        shown = after if after is not None else before
        self.results.append(dict(api_version=api_version, kind=kind, name=name, namespace=namespace,
                                 changed=is_change, method=method, object=redacted(shown)))
        if self.diff and is_change:
            self.diffs.append(dict(
                before_header=_header(kind, namespace, name), after_header=_header(kind, namespace, name),
                before=_diff_view(redacted(before)), after=_diff_view(redacted(after, compare_to=before))))


def _diff_view(obj):
    if obj is None:
        return {}
    view = dict(obj)
    view.pop("status", None)
    return view
