# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds kubeconfig documents and writes them without ever exposing a key."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib


class KubeconfigError(Exception):
    """A kubeconfig cannot be built as asked; the message says what to fix."""


def _read(path, what):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise KubeconfigError("cannot read the %s %s: %s" % (what, path, exc))


def build(cluster_name, server, ca_path, client_cert_path, client_key_path, user_name, embed_certs, extra_ca_paths=()):
    """The kubeconfig as a dict: one cluster, one user, one current context."""
    if extra_ca_paths and not embed_certs:
        raise KubeconfigError("more than one CA certificate can only be embedded (embed_certs)")
    if embed_certs:
        ca_data = b"".join(_read(path, "CA certificate") for path in [ca_path] + list(extra_ca_paths))
        cluster = {"server": server, "certificate-authority-data": base64.b64encode(ca_data).decode("ascii")}
        user = {"client-certificate-data": base64.b64encode(_read(client_cert_path, "client certificate")).decode("ascii"),
                "client-key-data": base64.b64encode(_read(client_key_path, "client key")).decode("ascii")}
    else:
        cluster = {"server": server, "certificate-authority": ca_path}
        user = {"client-certificate": client_cert_path, "client-key": client_key_path}
    context = "%s@%s" % (user_name, cluster_name)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "users": [{"name": user_name, "user": user}],
        "contexts": [{"name": context, "context": {"cluster": cluster_name, "user": user_name}}],
        "current-context": context,
        "preferences": {},
    }


def summary(config):
    """What a diff may show of a kubeconfig: names, server and certificate digests, never key bytes."""
    if not config:
        return {}
    try:
        cluster = config["clusters"][0]
        user = config["users"][0]
    except (KeyError, IndexError, TypeError):
        return {"unparsable": True}

    def digest(section, data_key, path_key):
        if data_key in section:
            return "sha256:" + hashlib.sha256(section[data_key].encode("ascii")).hexdigest()
        return section.get(path_key)

    return {
        "cluster": cluster.get("name"),
        "server": cluster.get("cluster", {}).get("server"),
        "certificate_authority": digest(cluster.get("cluster", {}), "certificate-authority-data", "certificate-authority"),
        "user": user.get("name"),
        "client_certificate": digest(user.get("user", {}), "client-certificate-data", "client-certificate"),
        "client_key": "(embedded)" if "client-key-data" in user.get("user", {}) else user.get("user", {}).get("client-key"),
    }
