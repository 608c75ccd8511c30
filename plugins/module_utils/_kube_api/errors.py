# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error of the kube_api backend, with advice on what to fix."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json


class KubeApiError(Exception):
    """An object cannot be applied; the message says what to fix.

    status_code and reason are the apiserver's answer when there was one."""

    def __init__(self, msg, status_code=None, reason=None):
        super(KubeApiError, self).__init__(msg)
        self.status_code = status_code
        self.reason = reason

    def facts(self):
        """What fail_json may carry besides the message: the apiserver's answer, when there was one."""
        facts = dict(status_code=self.status_code, reason=self.reason)
        return dict((key, value) for key, value in facts.items() if value is not None)


def parse_status(body):
    """The (message, reason) of a metav1.Status body, or the raw text when it is not one."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    body = (body or "").strip()
    try:
        status = json.loads(body)
    except ValueError:
        return body[:500], None
    if not isinstance(status, dict):
        return body[:500], None
    return status.get("message") or body[:500], status.get("reason")


def _advice(status_code, reason, api_url):
    if status_code == 401:
        return ("the apiserver at %s did not authenticate the client: check client_cert/client_key "
                "(a certificate signed by the apiserver's client CA, not expired, with its own key)" % api_url)
    if status_code == 403:
        return ("the user named in client_cert lacks this RBAC permission: use a credential that holds it "
                "(bootstrap objects need one in the system:masters group)")
    if status_code == 404:
        return "check apiVersion, kind, metadata.name, and that metadata.namespace exists"
    if status_code == 409 and reason == "Conflict":
        return ("another field manager owns these fields: set force_conflicts=true to take them over, "
                "or change them through their owner")
    if status_code == 415:
        return "the apiserver does not accept server-side apply (it needs Kubernetes 1.22 or newer)"
    if status_code in (400, 422):
        return "fix the definition"
    if status_code == 429 or (status_code or 0) >= 500:
        return "check the apiserver's health and logs, then retry"
    return None


def http_error(status_code, body, method, path, api_url):
    """The KubeApiError for an HTTP error answer of the apiserver."""
    message, reason = parse_status(body)
    text = "%s %s: the apiserver answered %s%s: %s" % (
        method, path, status_code, " %s" % reason if reason else "", message or "(no message)")
    advice = _advice(status_code, reason, api_url)
    if advice:
        text = "%s; %s" % (text, advice)
    return KubeApiError(text, status_code=status_code, reason=reason)
