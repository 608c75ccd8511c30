#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: tls_endpoints
short_description: Waits until TLS listeners serve a chain that ends at a CA, and accept or refuse a client certificate
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - The health gate of a CA rotation. Runs on a node and connects to each of O(endpoints), such as
    the node's kube-apiserver (6443), etcd client (2379) and peer (2380), kube-controller-manager
    (10257) and kube-scheduler (10259) listeners.
  - Judges two things for each. B(chain) - whether the certificate chain it serves verifies against
    O(ca) and holds O(endpoints[].server_name), which is also sent as SNI. B(client) - when
    O(client_certificate) is given, whether the listener accepts that client certificate - by a TLS
    alert or a cut connection during the handshake or on the first read (a TLS 1.3 server refuses a
    client certificate only after the client finished its handshake), or by the HTTP status of a
    C(GET) of O(endpoints[].path).
  - When the chain does not verify, the client certificate is still tried, on a connection that
    does not verify the server, so that both are reported.
  - Asks every endpoint again every O(interval) seconds until each meets O(expect_chain) and
    O(expect_client), or O(timeout) has passed; components restarted just before the gate get that
    long to come back.
  - An endpoint whose chain is V(unreachable) never meets the expectations.
  - Needs only the Python standard library. The client key is written, for the TLS library to read,
    to a file only its owner may read, in a private temporary directory, which is removed before any
    connection is made.
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
  endpoints:
    description: The TLS listeners to check.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: What the listener is to the caller, such as C(cp1 kube-apiserver); used in messages and returned as it is.
        type: str
        required: true
      host:
        description: Address or name to connect to.
        type: str
        required: true
      port:
        description: TCP port of the listener.
        type: int
        required: true
      server_name:
        description:
          - The name sent as SNI, which the served certificate must hold (a DNS name or an IP address).
        type: str
        required: true
      path:
        description: The path requested with the client certificate.
        type: str
        default: /healthz
      headers:
        description:
          - Headers sent with the request, such as C(X-Remote-User) for a front-proxy client certificate.
          - Names and values must not hold line breaks.
        type: dict
        default: {}
      accepted_statuses:
        description:
          - The HTTP statuses that mean the client certificate was accepted.
          - C(401) and C(403) mean it was refused; any other status is an error.
        type: list
        elements: int
        default: [200]
  ca:
    description: The CA certificate or certificates (PEM) the served chains must end at; no other CA is trusted.
    type: str
    required: true
  client_certificate:
    description: The client certificate (PEM) to present; may be followed by intermediate certificates.
    type: str
  client_key:
    description: The private key (PEM, not encrypted) of O(client_certificate).
    type: str
  expect_chain:
    description: What the served chains must be.
    type: str
    choices: [trusted, untrusted, any]
    default: trusted
  expect_client:
    description:
      - What the listeners must do with O(client_certificate).
      - Must be V(any) when no client certificate is given.
    type: str
    choices: [accepted, refused, any]
    default: any
  timeout:
    description: Seconds to keep asking until every endpoint meets the expectations.
    type: int
    default: 60
  interval:
    description: Seconds between two rounds.
    type: float
    default: 1.0
  connect_timeout:
    description: Seconds to wait for a connection, a handshake or a response.
    type: float
    default: 5
notes:
  - Only reads; runs the same in check mode.
  - A handshake that fails on a certificate alert from the server (such as C(bad certificate), C(unknown ca) or
    C(certificate required)) counts as a trusted chain, since a client answers the server's request for a
    certificate only after it verified the server's chain. When a handshake with the client certificate fails
    otherwise, the chain is judged on another handshake without it.
  - A TLS 1.2 server that requires a client certificate and ends the handshake with a C(handshake failure)
    alert when it gets none (as OpenSSL does) leaves the chain V(unreachable) unless a client certificate is
    given. Go servers (the Kubernetes components, etcd) negotiate TLS 1.3, where the client's handshake
    completes first.
seealso:
  - module: kthw.control_plane.x509_ca
"""

EXAMPLES = r"""
- name: Every listener of this node serves a chain from the new CA and accepts the new client certificate
  kthw.control_plane.tls_endpoints:
    endpoints:
      - {name: "{{ inventory_hostname }} kube-apiserver", host: 127.0.0.1, port: 6443, server_name: kubernetes}
      - name: "{{ inventory_hostname }} etcd"
        host: "{{ ansible_host }}"
        port: 2379
        server_name: "{{ ansible_host }}"
        path: /health
    ca: "{{ lookup('ansible.builtin.file', 'pki/ca/next.crt') }}"
    client_certificate: "{{ lookup('ansible.builtin.file', 'pki/break-glass.crt') }}"
    client_key: "{{ lookup('ansible.builtin.file', 'pki/break-glass.key') }}"
    expect_client: accepted
    timeout: 120

- name: The old CA's client certificates are refused
  kthw.control_plane.tls_endpoints:
    endpoints:
      - {name: "{{ inventory_hostname }} etcd", host: "{{ ansible_host }}", port: 2379, server_name: "{{ ansible_host }}"}
    ca: "{{ lookup('ansible.builtin.file', 'pki/ca/next.crt') }}"
    client_certificate: "{{ lookup('ansible.builtin.file', 'pki/old-client.crt') }}"
    client_key: "{{ lookup('ansible.builtin.file', 'pki/old-client.key') }}"
    expect_client: refused
"""

RETURN = r"""
endpoints:
  description: What each endpoint did in the last round, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: As given.
      type: str
    host:
      description: As given.
      type: str
    port:
      description: As given.
      type: int
    chain:
      description:
        - V(trusted) when the served chain verifies against O(ca) and holds O(endpoints[].server_name),
          V(untrusted) when it does not, V(unreachable) when no connection or handshake got far enough to tell.
      type: str
      sample: trusted
    chain_detail:
      description: Why the chain is V(untrusted) or V(unreachable); V(null) when it is V(trusted).
      type: str
      sample: "certificate verify failed: unable to get local issuer certificate"
    client:
      description:
        - V(accepted), V(refused), V(error) (neither could be told) or V(skipped) (no client certificate given).
      type: str
      sample: accepted
    status:
      description: The HTTP status of the request made with the client certificate; V(null) when there was none.
      type: int
      sample: 200
    client_detail:
      description: What the client verdict rests on (an HTTP status, a TLS alert, an error); V(null) when skipped.
      type: str
      sample: "HTTP 200"
  sample:
    - {name: cp1 kube-apiserver, host: 127.0.0.1, port: 6443, chain: trusted, chain_detail: null,
       client: accepted, status: 200, client_detail: HTTP 200}
waited_s:
  description: Seconds from the first round to the end of the last.
  returned: always
  type: float
  sample: 3.2
rounds:
  description: How many times every endpoint was asked.
  returned: always
  type: int
  sample: 4
"""

import http.client
import os
import re
import shutil
import socket
import ssl
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

TRUSTED = "trusted"
UNTRUSTED = "untrusted"
UNREACHABLE = "unreachable"
ACCEPTED = "accepted"
REFUSED = "refused"
ERROR = "error"
SKIPPED = "skipped"
ANY = "any"
REFUSED_STATUSES = (401, 403)

# TLS alerts a server sends about the client's certificate (or its absence).
CERTIFICATE_ALERTS = ("BAD_CERTIFICATE", "UNSUPPORTED_CERTIFICATE", "CERTIFICATE_REVOKED", "CERTIFICATE_EXPIRED",
                      "CERTIFICATE_UNKNOWN", "UNKNOWN_CA", "ACCESS_DENIED", "CERTIFICATE_REQUIRED")
# The connection cut short: how a server that drops a refused client shows.
CUT_OFF = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError,
           http.client.RemoteDisconnected)


class Unreachable(Exception):
    """No TCP connection: the wrapped OSError says why."""

    def __init__(self, cause):
        super(Unreachable, self).__init__(describe(cause))
        self.cause = cause


def describe(exc):
    """The text of an error without the ssl module's source position; never holds key material."""
    if isinstance(exc, Unreachable):
        return str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate verify failed: %s" % (exc.verify_message or exc.reason or exc)
    text = re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(exc)).strip()
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def _alert_name(exc):
    """The name of the TLS alert the server sent, as the ssl module spells it (TLSV1_ALERT_UNKNOWN_CA), or None."""
    if not isinstance(exc, ssl.SSLError) or isinstance(exc, ssl.SSLCertVerificationError):
        return None
    text = (getattr(exc, "reason", None) or str(exc)).upper().replace(" ", "_")
    return text if "ALERT" in text else None


def is_certificate_alert(exc):
    """Whether exc is a TLS alert by which the server refuses the client's certificate (or its absence)."""
    name = _alert_name(exc)
    return name is not None and any(alert in name for alert in CERTIFICATE_ALERTS)


def is_cut_off(exc):
    """Whether exc is the connection reset or closed by the server."""
    if isinstance(exc, CUT_OFF):
        return True
    return isinstance(exc, ssl.SSLError) and "UNEXPECTED_EOF" in (getattr(exc, "reason", None) or "").upper()


def is_refusal(exc):
    """Whether exc, raised during the handshake or the first read, means the client certificate was refused: a TLS
    alert from the server, or the connection cut off."""
    return not isinstance(exc, Unreachable) and (_alert_name(exc) is not None or is_cut_off(exc))


def client_verdict(status=None, error=None, accepted_statuses=(200,)):
    """(accepted|refused|error, detail) from the HTTP status or the exception of a request made with a client
    certificate."""
    if error is not None:
        if is_refusal(error):
            return REFUSED, describe(error)
        return ERROR, describe(error)
    if status in accepted_statuses:
        return ACCEPTED, "HTTP %d" % status
    if status in REFUSED_STATUSES:
        return REFUSED, "HTTP %d" % status
    return ERROR, "HTTP %s, neither accepted (%s) nor refused (401, 403)" % (
        status, ", ".join(str(s) for s in accepted_statuses) or "no status")


def chain_verdict(error):
    """(trusted|untrusted|None, detail) from the exception of a handshake that verified the server; None when it
    failed before the server's chain was judged."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return UNTRUSTED, describe(error)
    if is_certificate_alert(error):
        # The server complains about the client's certificate, which a client sends only once it has
        # verified the server's chain.
        return TRUSTED, None
    return None, describe(error)


def tls_contexts(ca, client_certificate=None, client_key=None):
    """The SSL contexts a probe uses: verify (trusts only ca, checks the name), and, with a client certificate,
    verify_client (the same, presenting it) and unverified_client (presenting it, verifying nothing).

    The key is written to a file only its owner may read, in a private directory removed before returning.
    Raises ValueError with a message that holds no key material."""
    contexts = dict(verify=_context(ca), verify_client=None, unverified_client=None)
    if client_certificate is None:
        return contexts
    if "ENCRYPTED" in client_key:
        raise ValueError("client_key is encrypted; give it without a passphrase")
    contexts["verify_client"] = _context(ca)
    contexts["unverified_client"] = _context(None)
    directory = tempfile.mkdtemp(prefix="kthw-tls-endpoints-")
    try:
        cert_path = _private_file(directory, ".crt", client_certificate)
        key_path = _private_file(directory, ".key", client_key)
        for name in ("verify_client", "unverified_client"):
            try:
                contexts[name].load_cert_chain(cert_path, key_path, password=_no_password)
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise ValueError("client_certificate and client_key cannot be used together (%s): each must be "
                                 "PEM, and the key the one of the certificate" % describe(exc))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return contexts


def _no_password():
    # Stops OpenSSL from prompting on a terminal; an encrypted key then fails to load.
    return b""


def _private_file(directory, suffix, text):
    fd, path = tempfile.mkstemp(dir=directory, suffix=suffix)  # mode 0600 from creation
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def _context(ca):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        context.load_verify_locations(cadata=ca)
    except (ssl.SSLError, ValueError, TypeError) as exc:
        raise ValueError("ca holds no usable PEM certificate (%s)" % describe(exc))
    return context


def _connect(context, endpoint, connect_timeout):
    """A TLS connection whose handshake completed; Unreachable when there is no TCP connection."""
    try:
        sock = socket.create_connection((endpoint["host"], endpoint["port"]), timeout=connect_timeout)
    except (OSError, ValueError) as exc:
        raise Unreachable(exc)
    try:
        return context.wrap_socket(sock, server_hostname=endpoint["server_name"])
    except BaseException:
        sock.close()
        raise


def _close(conn):
    try:
        conn.close()
    except OSError:
        pass


def http_status(conn, endpoint):
    """Sends GET path on conn (HTTP/1.1, Connection: close) and returns the response's status."""
    name = endpoint["server_name"]
    host = "[%s]" % name if ":" in name else name
    extra = "".join("%s: %s\r\n" % pair for pair in sorted((endpoint.get("headers") or {}).items()))
    request = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: kthw-tls-endpoints\r\nAccept: */*\r\n%s"
               "Connection: close\r\n\r\n" % (endpoint.get("path") or "/healthz", host, endpoint["port"], extra))
    conn.sendall(request.encode("latin-1"))
    response = http.client.HTTPResponse(conn, method="GET")
    try:
        response.begin()
        return response.status
    finally:
        response.close()


def probe(endpoint, contexts, connect_timeout=5.0):
    """What endpoint does: a dict with name, host, port, chain, chain_detail, client, status, client_detail.

    contexts as tls_contexts returns them. The first handshake verifies the server and, when contexts hold a
    client certificate, presents it; the request goes over the same connection. When the chain does not
    verify, the client certificate is tried on a second connection that does not verify the server."""
    result = dict(name=endpoint["name"], host=endpoint["host"], port=endpoint["port"], chain=None,
                  chain_detail=None, client=SKIPPED, status=None, client_detail=None)
    with_client = contexts.get("verify_client") is not None
    conn = None
    try:
        try:
            conn = _connect(contexts["verify_client" if with_client else "verify"], endpoint, connect_timeout)
        except Unreachable as exc:
            result.update(chain=UNREACHABLE, chain_detail=describe(exc))
            if with_client:
                result.update(client=ERROR, client_detail="no connection: %s" % describe(exc))
            return result
        except (ssl.SSLError, OSError) as exc:
            chain, detail = chain_verdict(exc)
            if chain is None and with_client:
                chain, detail = _second_opinion(endpoint, contexts, connect_timeout, exc)
            result.update(chain=chain or UNREACHABLE, chain_detail=detail)
            if not with_client:
                return result
            if not isinstance(exc, ssl.SSLCertVerificationError):
                result["client"], result["client_detail"] = client_verdict(error=exc)
                return result
            try:  # untrusted: the client certificate is tried anyway, without verifying the server
                conn = _connect(contexts["unverified_client"], endpoint, connect_timeout)
            except (Unreachable, ssl.SSLError, OSError) as exc:
                result["client"], result["client_detail"] = client_verdict(error=exc)
                return result
        else:
            result["chain"] = TRUSTED
            if not with_client:
                return result  # the chain comes from the handshake alone: no request
        try:
            status = http_status(conn, endpoint)
        except (ssl.SSLError, OSError, http.client.HTTPException) as exc:
            result["client"], result["client_detail"] = client_verdict(error=exc)
        else:
            result["status"] = status
            result["client"], result["client_detail"] = client_verdict(
                status=status, accepted_statuses=tuple(endpoint.get("accepted_statuses") or (200,)))
        return result
    finally:
        if conn is not None:
            _close(conn)


def _second_opinion(endpoint, contexts, connect_timeout, first):
    """(chain or None, detail) judged on a handshake without the client certificate, when the one with it
    failed before the chain could be judged."""
    try:
        _close(_connect(contexts["verify"], endpoint, connect_timeout))
        return TRUSTED, None
    except (Unreachable, ssl.SSLError, OSError) as exc:
        chain, detail = chain_verdict(exc)
        if chain is None:
            return None, "%s; without the client certificate: %s" % (describe(first), detail)
        return chain, detail


def shortfall(result, expect_chain, expect_client):
    """How result falls short of the expectations, as words; None when it meets them."""
    chain = result["chain"]
    client = result["client"]
    issues = []
    if chain == UNREACHABLE:
        issues.append("is unreachable (%s)" % result["chain_detail"])
    elif expect_chain != ANY and chain != expect_chain:
        if chain == TRUSTED:
            issues.append("serves a chain that ends at the given CA, expected untrusted")
        elif _hostname_mismatch(result["chain_detail"]):
            issues.append("serves a certificate that does not hold the server name (%s)" % result["chain_detail"])
        else:
            issues.append("serves a chain that does not end at the given CA (%s)" % result["chain_detail"])
    if chain != UNREACHABLE and expect_client != ANY and client != expect_client:
        if client == ACCEPTED:
            issues.append("accepted the client certificate (%s), expected %s" % (result["client_detail"], expect_client))
        elif client == REFUSED:
            issues.append("refused the client certificate (%s), expected %s" % (result["client_detail"], expect_client))
        else:
            issues.append("gave no verdict on the client certificate (%s), expected %s"
                          % (result["client_detail"], expect_client))
    return " and ".join(issues) or None


def _hostname_mismatch(detail):
    return bool(detail) and ("mismatch" in detail.lower())


def failure_message(results, expect_chain, expect_client, waited_s):
    """The message naming each endpoint of results that falls short of the expectations and what it did."""
    late = []
    for result in results:
        issue = shortfall(result, expect_chain, expect_client)
        if issue:
            late.append("%s (%s:%s) %s" % (result["name"], result["host"], result["port"], issue))
    return "%s. Waited %d s." % ("; ".join(late), int(round(waited_s)))


def poll(endpoints, check, expect_chain, expect_client, timeout, interval, clock=time.monotonic, sleep=time.sleep):
    """Asks every endpoint with check(endpoint) each round until all meet the expectations or timeout seconds
    passed. Returns dict(met, endpoints (the last round's results), waited_s, rounds)."""
    started = clock()
    rounds = 0
    while True:
        rounds += 1
        results = [check(endpoint) for endpoint in endpoints]
        waited = clock() - started
        met = not any(shortfall(result, expect_chain, expect_client) for result in results)
        if met or waited >= timeout:
            return dict(met=met, endpoints=results, waited_s=round(waited, 1), rounds=rounds)
        sleep(interval)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoints=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                host=dict(type="str", required=True),
                port=dict(type="int", required=True),
                server_name=dict(type="str", required=True),
                path=dict(type="str", default="/healthz"),
                headers=dict(type="dict", default={}),
                accepted_statuses=dict(type="list", elements="int", default=[200]),
            )),
            ca=dict(type="str", required=True),
            client_certificate=dict(type="str"),
            client_key=dict(type="str", no_log=True),
            expect_chain=dict(type="str", default=TRUSTED, choices=[TRUSTED, UNTRUSTED, ANY]),
            expect_client=dict(type="str", default=ANY, choices=[ACCEPTED, REFUSED, ANY]),
            timeout=dict(type="int", default=60),
            interval=dict(type="float", default=1.0),
            connect_timeout=dict(type="float", default=5),
        ),
        required_together=[("client_certificate", "client_key")],
        supports_check_mode=True,
    )
    p = module.params
    if not p["endpoints"]:
        module.fail_json(msg="endpoints is empty: give at least one listener")
    for endpoint in p["endpoints"]:
        if not 0 < endpoint["port"] < 65536:
            module.fail_json(msg="the port of %s must be 1 to 65535, got %d" % (endpoint["name"], endpoint["port"]))
        if any(set("\r\n:") & set(str(key)) or set("\r\n") & set(str(value))
               for key, value in endpoint["headers"].items()):
            module.fail_json(msg="a header of %s holds a line break (or a colon in its name): headers are sent as "
                                 "given, one per line" % endpoint["name"])
        if not endpoint["accepted_statuses"]:
            module.fail_json(msg="accepted_statuses of %s is empty: give the statuses that mean accepted"
                             % endpoint["name"])
    if p["client_certificate"] is None and p["expect_client"] != ANY:
        module.fail_json(msg="expect_client=%s needs a client certificate to try: give client_certificate and "
                             "client_key, or expect_client=any" % p["expect_client"])
    if p["interval"] < 0 or p["connect_timeout"] <= 0:
        module.fail_json(msg="interval must not be negative and connect_timeout must be positive")
    try:
        contexts = tls_contexts(p["ca"], p["client_certificate"], p["client_key"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    outcome = poll(p["endpoints"], lambda endpoint: probe(endpoint, contexts, p["connect_timeout"]),
                   p["expect_chain"], p["expect_client"], p["timeout"], p["interval"])
    result = dict(changed=False, endpoints=outcome["endpoints"], waited_s=outcome["waited_s"],
                  rounds=outcome["rounds"])
    if not outcome["met"]:
        module.fail_json(msg=failure_message(outcome["endpoints"], p["expect_chain"], p["expect_client"],
                                             outcome["waited_s"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
