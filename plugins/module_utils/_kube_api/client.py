# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small kube-apiserver client over open_url: client-certificate auth, JSON, discovery."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import socket
import ssl
import tempfile

from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode

from ansible.module_utils.common.text.converters import to_bytes
from ansible.module_utils.urls import open_url

from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import write_private
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import (
    KubeApiError, http_error)

# Matches plugins/doc_fragments/kube_api.py option for option.
KUBE_API_ARGUMENT_SPEC = dict(
    api_url=dict(type="str", required=True),
    ca_path=dict(type="path"),
    client_cert=dict(type="path"),
    client_key=dict(type="path"),
    ca_data=dict(type="str"),
    client_cert_data=dict(type="str"),
    client_key_data=dict(type="str", no_log=True),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)
KUBE_API_MUTUALLY_EXCLUSIVE = [("ca_path", "ca_data"), ("client_cert", "client_cert_data"),
                               ("client_key", "client_key_data")]

# Matches the fragment kthw.control_plane.kube_api.apiservers option for option.
APISERVERS_ARGUMENT_SPEC = dict(
    api_urls=dict(type="list", elements="str", required=True),
    ca_data=dict(type="str", required=True),
    client_cert_data=dict(type="str", required=True),
    client_key_data=dict(type="str", required=True, no_log=True),
    timeout=dict(type="int", default=30),
)

USER_AGENT = "kthw.control_plane/kube_api"
_TIMEOUTS = (socket.timeout, TimeoutError)


class Resource(object):
    """What discovery tells about one kind: its plural (the path segment) and its scope."""

    def __init__(self, plural, namespaced):
        self.plural = plural
        self.namespaced = namespaced

    def __eq__(self, other):
        return isinstance(other, Resource) and (self.plural, self.namespaced) == (other.plural, other.namespaced)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Resource(%r, %r)" % (self.plural, self.namespaced)


def group_version_path(api_version):
    """The discovery path of an apiVersion: the core group under /api, the others under /apis."""
    if "/" in api_version:
        return "/apis/%s" % api_version
    return "/api/%s" % api_version


def object_path(api_version, plural, name, namespace=None):
    """The REST path of one object."""
    path = group_version_path(api_version)
    if namespace:
        path += "/namespaces/%s" % quote(namespace, safe="")
    return "%s/%s/%s" % (path, plural, quote(name, safe=":@"))


def resources_of(resource_list):
    """kind -> Resource for an APIResourceList, subresources left out."""
    kinds = {}
    for entry in resource_list.get("resources") or []:
        name = entry.get("name") or ""
        kind = entry.get("kind")
        if "/" in name or not kind or kind in kinds:
            continue
        kinds[kind] = Resource(name, bool(entry.get("namespaced")))
    return kinds


def _tls_advice(exc):
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ("the apiserver's certificate did not verify (%s): check ca_path (the CA that signed the "
                "apiserver's serving certificate) and that the host of api_url is among its SANs"
                % (getattr(exc, "verify_message", None) or exc))
    return "TLS with the apiserver failed (%s): check ca_path, client_cert and client_key" % exc


def _write_private(folder, name, content):
    """One PEM file in the private scratch folder, 0600 from its first byte."""
    path = os.path.join(folder, name)
    write_private(path, to_bytes(content, errors="surrogate_or_strict"))
    return path


class KubeClient(object):
    """One connection setting, one discovery cache: lives for one module run.

    Credentials given as data (from the controller, never stored on the target) are held in a
    0700 scratch folder for the run only, since TLS loads them from files; close() removes it.
    """

    def __init__(self, api_url, ca_path=None, client_cert=None, client_key=None,
                 validate_certs=True, timeout=30, ca_data=None, client_cert_data=None, client_key_data=None):
        if not api_url or not api_url.startswith(("https://", "http://")):
            raise KubeApiError("api_url must be the apiserver's URL, for example https://127.0.0.1:6443; got %r" % api_url)
        for option, path in (("ca_path", ca_path), ("client_cert", client_cert), ("client_key", client_key)):
            if path and not os.path.isfile(path):
                raise KubeApiError("%s %s does not exist or is not a file" % (option, path))
        self._scratch = None
        given = [(name, data) for name, data in (("ca.crt", ca_data), ("client.crt", client_cert_data),
                                                 ("client.key", client_key_data)) if data]
        if given:
            self._scratch = tempfile.mkdtemp(prefix="kthw-kube-api-")
            written = dict((name, _write_private(self._scratch, name, data)) for name, data in given)
            ca_path = written.get("ca.crt", ca_path)
            client_cert = written.get("client.crt", client_cert)
            client_key = written.get("client.key", client_key)
        self.api_url = api_url.rstrip("/")
        self.ca_path = ca_path
        self.client_cert = client_cert
        self.client_key = client_key
        self.validate_certs = validate_certs
        self.timeout = timeout
        self._discovery = {}

    @classmethod
    def from_params(cls, params):
        return cls(**dict((name, params.get(name)) for name in KUBE_API_ARGUMENT_SPEC))

    @classmethod
    def each_apiserver(cls, params):
        """{url: client} for the api_urls of APISERVERS_ARGUMENT_SPEC, in their order; the caller
        closes them. An api_url named twice is refused."""
        urls = params["api_urls"]
        if not urls or len(set(urls)) != len(urls):
            raise KubeApiError("api_urls must name each apiserver once; got %s" % (", ".join(urls) or "none"))
        clients = {}
        try:
            for url in urls:
                clients[url] = cls(url, ca_data=params["ca_data"], client_cert_data=params["client_cert_data"],
                                   client_key_data=params["client_key_data"], timeout=params["timeout"])
        except KubeApiError:
            for client in clients.values():
                client.close()
            raise
        return clients

    def close(self):
        """Removes the credentials given as data; safe to call twice."""
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _send(self, method, path, url, headers, data=None):
        """The raw answer of one request, or a KubeApiError saying what to check."""
        try:
            response = open_url(url, data=data, headers=headers, method=method,
                                validate_certs=self.validate_certs, timeout=self.timeout,
                                client_cert=self.client_cert, client_key=self.client_key,
                                ca_path=self.ca_path, http_agent=USER_AGENT,
                                follow_redirects="none")
            return response.read()
        except HTTPError as exc:
            try:
                error_body = exc.read()
            except Exception:  # the body is only a better message
                error_body = b""
            raise http_error(exc.code, error_body, method, path, self.api_url)
        except URLError as exc:
            raise self._transport_error(exc.reason)
        except (ssl.SSLError, OSError) as exc:
            raise self._transport_error(exc)

    def request(self, method, path, query=None, body=None, content_type="application/json", accept="application/json"):
        """Sends one request; returns the decoded JSON answer ({} when empty) or raises KubeApiError.
        accept names another JSON media type a path insists on (application/jwk-set+json)."""
        url = self.api_url + path
        if query:
            url += "?" + urlencode(query)
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body, sort_keys=True).encode("utf-8")
            headers["Content-Type"] = content_type
        raw = self._send(method, path, url, headers, data)
        if not raw:
            return {}
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            raise KubeApiError("%s %s: the answer of %s is not JSON; is api_url the apiserver?"
                               % (method, path, self.api_url))

    def request_text(self, path):
        """GETs a path that answers plain text (such as /metrics); returns it or raises KubeApiError."""
        raw = self._send("GET", path, self.api_url + path, {"Accept": "text/plain"})
        return raw.decode("utf-8", "replace")

    def _transport_error(self, reason):
        where = "the apiserver at %s" % self.api_url
        if isinstance(reason, ConnectionRefusedError):
            return KubeApiError("connection to %s refused: is the apiserver at %s running?"
                                % (self.api_url, self.api_url))
        if isinstance(reason, ssl.SSLError):
            return KubeApiError("cannot talk to %s: %s" % (where, _tls_advice(reason)))
        if isinstance(reason, _TIMEOUTS):
            return KubeApiError("%s did not answer within %s seconds: is it running and reachable? (raise timeout "
                                "if it is only slow)" % (where, self.timeout))
        if isinstance(reason, (PermissionError, FileNotFoundError, IsADirectoryError)):
            return KubeApiError("cannot read a certificate or key file (%s): check ca_path, client_cert and client_key"
                                % reason)
        if isinstance(reason, socket.gaierror):
            return KubeApiError("cannot resolve the host of api_url %s: %s" % (self.api_url, reason))
        if isinstance(reason, ConnectionError):
            return KubeApiError("the connection to %s broke (%s): is it the apiserver, and does it accept "
                                "client_cert?" % (where, reason))
        return KubeApiError("cannot reach %s: %s; is the apiserver at %s running?" % (where, reason, self.api_url))

    def resource(self, api_version, kind):
        """The Resource of a kind, from the apiserver's discovery (one request per apiVersion and run)."""
        if api_version not in self._discovery:
            path = group_version_path(api_version)
            try:
                self._discovery[api_version] = resources_of(self.request("GET", path))
            except KubeApiError as exc:
                if exc.status_code == 404:
                    raise KubeApiError("apiVersion %s is not served by the apiserver at %s (GET %s answered 404): "
                                       "check apiVersion" % (api_version, self.api_url, path),
                                       status_code=404, reason=exc.reason)
                raise
        kinds = self._discovery[api_version]
        if kind not in kinds:
            raise KubeApiError("kind %s is not served under apiVersion %s; it serves %s: check kind and apiVersion"
                               % (kind, api_version, ", ".join(sorted(kinds)) or "no kinds"))
        return kinds[kind]
