# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes objects as dicts: reading definitions, dropping volatile fields, hiding Secret values."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

# Fields the apiserver rewrites on every write: they never make an object different.
VOLATILE_METADATA = ("resourceVersion", "managedFields", "generation")
# Fields a dry-run create makes up: not what the object will have once created.
DRY_RUN_CREATE_METADATA = ("uid", "creationTimestamp")
REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted, changed>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _documents(definition):
    if isinstance(definition, dict):
        return [definition]
    if isinstance(definition, (list, tuple)):
        return list(definition)
    if isinstance(definition, str):
        if yaml is None:
            raise KubeApiError(missing_required_lib("PyYAML") + " (to read a definition given as a string)")
        try:
            return list(yaml.safe_load_all(definition))
        except yaml.YAMLError as exc:
            raise KubeApiError("definition is not valid YAML: %s" % exc)
    raise KubeApiError("definition must be a dict, a list of dicts or a YAML string, not %s"
                       % type(definition).__name__)


def load_definitions(definition):
    """The objects of a definition, in order; empty documents skipped, kind List unfolded.

    Each has apiVersion, kind and metadata.name, or KubeApiError says which document lacks what."""
    objects = []
    for number, document in enumerate(_documents(definition), start=1):
        if document is None:
            continue
        if isinstance(document, dict) and document.get("kind") == "List" and isinstance(document.get("items"), list):
            items = document["items"]
        else:
            items = [document]
        for obj in items:
            objects.append(_checked(obj, number))
    if not objects:
        raise KubeApiError("definition holds no object")
    return objects


def _checked(obj, number):
    where = "definition document %d" % number
    if not isinstance(obj, dict):
        raise KubeApiError("%s is a %s, not an object (a mapping)" % (where, type(obj).__name__))
    for field in ("apiVersion", "kind"):
        if not obj.get(field) or not isinstance(obj[field], str):
            raise KubeApiError("%s has no %s" % (where, field))
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or not metadata.get("name") or not isinstance(metadata["name"], str):
        raise KubeApiError("%s (%s) has no metadata.name" % (where, obj["kind"]))
    namespace = metadata.get("namespace")
    if namespace is not None and (not namespace or not isinstance(namespace, str)):
        raise KubeApiError("%s (%s %s): metadata.namespace must be a non-empty string"
                           % (where, obj["kind"], metadata["name"]))
    return obj


def identity(obj):
    """(apiVersion, kind, namespace or None, name) of a checked object."""
    metadata = obj["metadata"]
    return obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"]


def is_secret(obj):
    return bool(obj) and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def stripped(obj, drop=()):
    """A copy without the volatile metadata (and the named extra metadata fields); None stays None."""
    if obj is None:
        return None
    result = copy.deepcopy(obj)
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        for field in VOLATILE_METADATA + tuple(drop):
            metadata.pop(field, None)
    return result


def comparable(obj):
    """What decides whether an object changed: no volatile metadata, no status (controllers write that)."""
    result = stripped(obj)
    if result is not None:
        result.pop("status", None)
    return result


def changed(before, after):
    """Whether the apiserver's object really differs between two reads of it."""
    return comparable(before) != comparable(after)


def secret_values(objects):
    """The values of every Secret's data and stringData, for module.no_log_values."""
    values = set()
    for obj in objects:
        if is_secret(obj):
            for field in ("data", "stringData"):
                for value in (obj.get(field) or {}).values():
                    if isinstance(value, str) and value:
                        values.add(value)
    return values


def redacted(obj, compare_to=None):
    """A copy with each Secret value replaced by a marker; a marker that says so where compare_to differs."""
    if not is_secret(obj):
        return obj
    result = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        values = result.get(field)
        if not isinstance(values, dict):
            continue
        others = None
        if is_secret(compare_to):
            others = compare_to.get(field) or {}
        for key in values:
            differs = others is not None and others.get(key) != values[key]
            values[key] = REDACTED_CHANGED if differs else REDACTED
    annotations = (result.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        # kubectl apply keeps a copy of the whole Secret there.
        annotations[LAST_APPLIED] = REDACTED
    return result
