"""tls_endpoints: real TLS servers on 127.0.0.1 with certificates of an old and a new CA; the
served chain (trusted, untrusted, wrong name, unreachable), the client certificate (accepted,
refused by TLS 1.2 in the handshake and by TLS 1.3 on the first read, refused by HTTP 401/403),
the wait on a fake clock, the failure message, and the client key's short life on disk."""

import ast
import datetime
import ipaddress
import os
import socket
import ssl
import stat
import tempfile
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.kthw.control_plane.plugins.modules import tls_endpoints
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_clock import Clock

NOW = datetime.datetime.now(datetime.timezone.utc)


# -- certificates -------------------------------------------------------------

def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key, password=None):
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             encryption).decode("ascii")


def _certificate(subject, key, issuer_name, issuer_key, ca=False, server=False):
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(hours=1))
               .not_valid_after(NOW + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    elif server:
        builder = (builder
                   .add_extension(x509.SubjectAlternativeName([
                       x509.DNSName("kubernetes"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class Ca(object):
    """A CA with a server certificate (SAN kubernetes, 127.0.0.1) and a client certificate it issued."""

    def __init__(self, name):
        self.name = name
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = _pem(_certificate(name, key, subject, key, ca=True))
        self.server_key_object = ec.generate_private_key(ec.SECP256R1())
        self.server_cert = _pem(_certificate("kube-apiserver", self.server_key_object, subject, key, server=True))
        self.server_key = _key_pem(self.server_key_object)
        self.client_key_object = ec.generate_private_key(ec.SECP256R1())
        self.client_cert = _pem(_certificate("admin", self.client_key_object, subject, key))
        self.client_key = _key_pem(self.client_key_object)


@pytest.fixture(scope="module")
def cas():
    return {"old": Ca("old-ca"), "new": Ca("new-ca")}


# -- servers ------------------------------------------------------------------

class TlsServer(object):
    """Serves one connection at a time on 127.0.0.1: a TLS handshake that asks for a client certificate
    (verified against client_ca), then answers any request with status, or - with authorized_issuer -
    with 200 when the verified client certificate was issued by that CA and 401 otherwise, as
    kube-apiserver does with a certificate its authenticator does not accept."""

    def __init__(self, directory, cert, key, client_ca, verify_mode=ssl.CERT_REQUIRED, max_version=None,
                 status=200, authorized_issuer=None):
        fd, cert_path = tempfile.mkstemp(dir=str(directory), suffix=".crt")
        with os.fdopen(fd, "w") as handle:
            handle.write(cert + key)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_path)
        self.context.load_verify_locations(cadata=client_ca)
        self.context.verify_mode = verify_mode
        if max_version is not None:
            self.context.maximum_version = max_version
        self.status = status
        self.authorized_issuer = authorized_issuer
        self.requests, self.handshake_errors, self.versions = [], [], []
        self.handled = threading.Semaphore(0)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _address = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                tls = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.handshake_errors.append(exc)
                conn.close()
                self.handled.release()
                continue
            self.versions.append(tls.version())
            try:
                self._answer(tls)
            except (ssl.SSLError, OSError):
                pass
            finally:
                tls.close()
                self.handled.release()

    def settle(self, connections):
        """Waits until the server is done with that many more connections (the client may finish first)."""
        for _count in range(connections):
            assert self.handled.acquire(timeout=5), "the server did not finish a connection"

    def _answer(self, tls):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = tls.recv(4096)
            if not chunk:
                return
            data += chunk
        self.requests.append(data.decode("latin-1"))
        status = self.status
        if self.authorized_issuer is not None:
            peer = tls.getpeercert() or {}
            issuer = dict(item[0] for item in peer.get("issuer", ()))
            status = 200 if issuer.get("commonName") == self.authorized_issuer else 401
        tls.sendall(b"HTTP/1.1 %d Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok" % status)

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        self.listener.close()


@pytest.fixture
def serve(tmp_path):
    """Starts TlsServers; stops them after the test."""
    started = []

    def start(*args, **kwargs):
        server = TlsServer(tmp_path, *args, **kwargs)
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


def endpoint(server_or_port, name="cp1 kube-apiserver", server_name="kubernetes", **changes):
    port = server_or_port if isinstance(server_or_port, int) else server_or_port.port
    result = dict(name=name, host="127.0.0.1", port=port, server_name=server_name, path="/healthz",
                  accepted_statuses=[200])
    result.update(changes)
    return result


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def probe(ep, ca, client=None, connect_timeout=5.0):
    contexts = tls_endpoints.tls_contexts(ca.cert, *((client.client_cert, client.client_key) if client else ()))
    return tls_endpoints.probe(ep, contexts, connect_timeout)


def module_args(endpoints, ca, client=None, **changes):
    args = dict(endpoints=endpoints, ca=ca.cert, timeout=0, interval=0.01, connect_timeout=5)
    if client is not None:
        args.update(client_certificate=client.client_cert, client_key=client.client_key)
    args.update(changes)
    return args


def assert_no_key_material(output, cas):
    """No PEM block in the message, no private key anywhere (the invocation echoes the certificates)."""
    assert "-----BEGIN" not in output.get("msg", "") and "-----BEGIN" not in repr(output.get("endpoints"))
    text = repr(output)
    assert "PRIVATE KEY" not in text
    for ca in cas.values():
        for pem in (ca.client_key, ca.server_key):
            for line in pem.splitlines():
                if line and not line.startswith("-----"):
                    assert line not in text


# -- the served chain ---------------------------------------------------------

def test_a_chain_of_the_given_ca_is_trusted_and_the_client_certificate_accepted(cas, serve, run_module):
    new = cas["new"]
    server = serve(new.server_cert, new.server_key, new.cert)
    result = run_module(tls_endpoints, module_args([endpoint(server)], new, new, expect_client="accepted"))
    assert not result.get("failed"), result
    assert result["changed"] is False and result["rounds"] == 1 and result["waited_s"] >= 0
    assert result["endpoints"] == [dict(name="cp1 kube-apiserver", host="127.0.0.1", port=server.port,
                                        chain="trusted", chain_detail=None, client="accepted", status=200,
                                        client_detail="HTTP 200")]
    request = server.requests[0]
    assert request.startswith("GET /healthz HTTP/1.1\r\n")
    assert "Host: kubernetes:%d\r\n" % server.port in request and "Connection: close\r\n" in request


def test_a_chain_of_the_old_ca_is_untrusted_by_the_new_and_the_client_certificate_still_tried(cas, serve):
    old, new = cas["old"], cas["new"]
    server = serve(old.server_cert, old.server_key, new.cert)
    alone = probe(endpoint(server), new)
    assert alone["chain"] == "untrusted" and alone["client"] == "skipped" and alone["status"] is None
    assert alone["chain_detail"] == "certificate verify failed: unable to get local issuer certificate"
    both = probe(endpoint(server), new, client=new)
    assert (both["chain"], both["client"], both["status"]) == ("untrusted", "accepted", 200)
    assert probe(endpoint(server), old)["chain"] == "trusted"


@pytest.mark.parametrize("server_name", ["etcd.example", "127.0.0.2"])
def test_a_certificate_without_the_server_name_is_untrusted(cas, serve, server_name):
    new = cas["new"]
    server = serve(new.server_cert, new.server_key, new.cert)
    result = probe(endpoint(server, server_name=server_name), new)
    assert result["chain"] == "untrusted" and "mismatch" in result["chain_detail"], result
    assert server_name in result["chain_detail"]
    issue = tls_endpoints.shortfall(result, "trusted", "any")
    assert issue.startswith("serves a certificate that does not hold the server name (")
    assert probe(endpoint(server, server_name="127.0.0.1"), new)["chain"] == "trusted"


def test_a_closed_port_is_unreachable(cas):
    port = closed_port()
    alone = probe(endpoint(port), cas["new"], connect_timeout=2)
    assert alone["chain"] == "unreachable" and "refused" in alone["chain_detail"].lower()
    assert alone["client"] == "skipped"
    both = probe(endpoint(port), cas["new"], client=cas["new"], connect_timeout=2)
    assert both["chain"] == "unreachable" and both["client"] == "error" and both["client_detail"].startswith(
        "no connection: ")
    assert tls_endpoints.shortfall(both, "any", "any").startswith("is unreachable (")


def test_without_a_client_certificate_the_handshake_alone_judges_the_chain(cas, serve):
    """A TLS 1.3 server that requires a client certificate fails only after the client's handshake:
    the chain is still judged, and no request is sent."""
    new = cas["new"]
    server = serve(new.server_cert, new.server_key, new.cert)
    result = probe(endpoint(server), new)
    server.settle(1)
    assert (result["chain"], result["client"], result["status"]) == ("trusted", "skipped", None)
    assert server.requests == [] and server.versions == [] and len(server.handshake_errors) == 1


# -- the client certificate ---------------------------------------------------

@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_a_client_certificate_of_another_ca_is_refused_by_tls(cas, serve, monkeypatch, version):
    """TLS 1.2 refuses in the handshake; TLS 1.3 after it, which the client sees on the first read."""
    old, new = cas["old"], cas["new"]
    maximum = ssl.TLSVersion.TLSv1_2 if version == "TLSv1.2" else ssl.TLSVersion.TLSv1_3
    server = serve(new.server_cert, new.server_key, old.cert, max_version=maximum)
    requested = []
    real_http_status = tls_endpoints.http_status

    def spy(conn, ep):
        requested.append(conn.version())
        return real_http_status(conn, ep)
    monkeypatch.setattr(tls_endpoints, "http_status", spy)
    result = probe(endpoint(server), new, client=new)
    server.settle(1)
    assert (result["chain"], result["chain_detail"]) == ("trusted", None), result
    assert result["client"] == "refused" and result["status"] is None, result
    assert server.requests == [] and len(server.handshake_errors) == 1
    if version == "TLSv1.2":
        assert requested == [] and "ALERT_UNKNOWN_CA" in result["client_detail"]
    else:
        assert requested == ["TLSv1.3"]
    accepted = probe(endpoint(server), new, client=old)
    server.settle(1)
    assert (accepted["chain"], accepted["client"]) == ("trusted", "accepted")
    assert server.versions == [version]


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_the_client_certificate_is_judged_even_when_the_chain_is_untrusted(cas, serve, version):
    old, new = cas["old"], cas["new"]
    maximum = ssl.TLSVersion.TLSv1_2 if version == "TLSv1.2" else ssl.TLSVersion.TLSv1_3
    server = serve(old.server_cert, old.server_key, old.cert, max_version=maximum)
    result = probe(endpoint(server), new, client=new)
    assert (result["chain"], result["client"]) == ("untrusted", "refused"), result


@pytest.mark.parametrize("status, verdict", [(401, "refused"), (403, "refused"), (500, "error"), (404, "error")])
def test_the_http_status_tells_accepted_refused_or_error(cas, serve, status, verdict):
    new = cas["new"]
    server = serve(new.server_cert, new.server_key, new.cert, status=status)
    result = probe(endpoint(server), new, client=new)
    assert (result["chain"], result["client"], result["status"]) == ("trusted", verdict, status)
    assert result["client_detail"].startswith("HTTP %d" % status)
    assert probe(endpoint(server, accepted_statuses=[status]), new, client=new)["client"] == "accepted"


def test_an_apiserver_answers_401_to_a_certificate_its_authenticator_does_not_accept(cas, serve, run_module):
    """CERT_OPTIONAL with both CAs at the TLS layer, only the new one at the HTTP layer."""
    old, new = cas["old"], cas["new"]
    server = serve(new.server_cert, new.server_key, old.cert + new.cert, verify_mode=ssl.CERT_OPTIONAL,
                   authorized_issuer="new-ca")
    refused = run_module(tls_endpoints, module_args([endpoint(server)], new, old, expect_client="refused"))
    assert not refused.get("failed"), refused
    assert refused["endpoints"][0]["status"] == 401 and refused["endpoints"][0]["client"] == "refused"
    accepted = run_module(tls_endpoints, module_args([endpoint(server)], new, old, expect_client="accepted"))
    assert accepted["failed"] and accepted["msg"] == (
        "cp1 kube-apiserver (127.0.0.1:%d) refused the client certificate (HTTP 401), expected accepted. "
        "Waited 0 s." % server.port)


# -- classification -----------------------------------------------------------

def _ssl_error(reason):
    exc = ssl.SSLError(1, "[SSL: %s] %s (_ssl.c:2580)" % (reason, reason.lower().replace("_", " ")))
    exc.reason = reason
    return exc


@pytest.mark.parametrize("error, verdict", [
    (_ssl_error("SSLV3_ALERT_BAD_CERTIFICATE"), "refused"),
    (_ssl_error("TLSV1_ALERT_UNKNOWN_CA"), "refused"),
    (_ssl_error("TLSV13_ALERT_CERTIFICATE_REQUIRED"), "refused"),
    (ConnectionResetError(104, "Connection reset by peer"), "refused"),
    (BrokenPipeError(32, "Broken pipe"), "refused"),
    (ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), "refused"),
    (_ssl_error("UNEXPECTED_EOF_WHILE_READING"), "refused"),
    (socket.timeout("timed out"), "error"),
    (_ssl_error("WRONG_VERSION_NUMBER"), "error"),
    (tls_endpoints.Unreachable(ConnectionRefusedError(111, "Connection refused")), "error"),
])
def test_errors_are_refusals_only_when_the_server_alerts_or_cuts_off(error, verdict):
    outcome, detail = tls_endpoints.client_verdict(error=error)
    assert outcome == verdict and detail and "_ssl.c" not in detail


def test_statuses_are_accepted_refused_or_errors():
    verdict = tls_endpoints.client_verdict
    assert verdict(status=200) == ("accepted", "HTTP 200")
    assert verdict(status=204, accepted_statuses=(200, 204)) == ("accepted", "HTTP 204")
    assert verdict(status=401)[0] == verdict(status=403)[0] == "refused"
    assert verdict(status=500)[0] == verdict(status=204)[0] == "error"


def test_only_certificate_alerts_prove_the_chain_was_verified():
    assert tls_endpoints.chain_verdict(_ssl_error("TLSV1_ALERT_UNKNOWN_CA")) == ("trusted", None)
    assert tls_endpoints.chain_verdict(_ssl_error("SSLV3_ALERT_HANDSHAKE_FAILURE"))[0] is None
    assert tls_endpoints.chain_verdict(ConnectionResetError(104, "reset"))[0] is None


# -- the wait and the message -------------------------------------------------

def _result(name, chain="trusted", client="accepted", chain_detail=None, client_detail="HTTP 200"):
    return dict(name=name, host="10.0.0.1%s" % name[2], port=6443, chain=chain, chain_detail=chain_detail,
                client=client, status=200 if client == "accepted" else None, client_detail=client_detail)


def test_the_wait_asks_every_endpoint_each_round_until_all_meet_the_expectations():
    clock = Clock()
    answers = {"cp1": [_result("cp1")] * 4,
               "cp2": [_result("cp2", chain="unreachable", client="error", chain_detail="refused"),
                       _result("cp2", client="refused", client_detail="HTTP 401"), _result("cp2"), _result("cp2")]}
    asked = []

    def check(ep):
        asked.append(ep["name"])
        return answers[ep["name"]][asked.count(ep["name"]) - 1]
    outcome = tls_endpoints.poll([dict(name="cp1"), dict(name="cp2")], check, "trusted", "accepted", 60, 0.5,
                                 clock=clock, sleep=clock.sleep)
    assert outcome == dict(met=True, endpoints=[_result("cp1"), _result("cp2")], waited_s=1.0, rounds=3)
    assert asked == ["cp1", "cp2"] * 3 and clock.slept == [0.5, 0.5]


def test_the_wait_ends_at_the_timeout_with_the_last_round():
    clock = Clock()
    late = _result("cp2", chain="untrusted", chain_detail="certificate verify failed: x")
    outcome = tls_endpoints.poll([dict(name="cp1"), dict(name="cp2")],
                                 lambda ep: _result("cp1") if ep["name"] == "cp1" else late,
                                 "trusted", "any", 5, 1.0, clock=clock, sleep=clock.sleep)
    assert outcome["met"] is False and outcome["rounds"] == 6 and outcome["waited_s"] == 5.0
    assert outcome["endpoints"] == [_result("cp1"), late] and clock.slept == [1.0] * 5


def test_the_message_names_each_late_endpoint_and_what_it_did_instead():
    results = [
        _result("cp1", client="refused", client_detail="SSLError: [SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca"),
        _result("cp2", chain="untrusted", client="accepted",
                chain_detail="certificate verify failed: unable to get local issuer certificate"),
        _result("cp3", client="accepted"),
        _result("cp4", client="error", client_detail="timeout: timed out"),
        _result("cp5", chain="unreachable", client="error", chain_detail="ConnectionRefusedError: refused"),
    ]
    results[2]["name"] = "cp3 etcd"
    message = tls_endpoints.failure_message(results, "trusted", "refused", 60.2)
    assert message == (
        "cp2 (10.0.0.12:6443) serves a chain that does not end at the given CA (certificate verify failed: unable "
        "to get local issuer certificate) and accepted the client certificate (HTTP 200), expected refused; "
        "cp3 etcd (10.0.0.13:6443) accepted the client certificate (HTTP 200), expected refused; "
        "cp4 (10.0.0.14:6443) gave no verdict on the client certificate (timeout: timed out), expected refused; "
        "cp5 (10.0.0.15:6443) is unreachable (ConnectionRefusedError: refused). Waited 60 s.")
    assert tls_endpoints.shortfall(_result("cp1"), "untrusted", "any") == (
        "serves a chain that ends at the given CA, expected untrusted")
    assert tls_endpoints.shortfall(results[1], "any", "any") is None


def test_a_failed_gate_names_the_endpoints_and_holds_no_key_material(cas, serve, run_module):
    old, new = cas["old"], cas["new"]
    stale = serve(old.server_cert, old.server_key, new.cert)
    fine = serve(new.server_cert, new.server_key, new.cert)
    endpoints = [endpoint(fine, name="cp1 kube-apiserver"), endpoint(stale, name="cp2 etcd"),
                 endpoint(closed_port(), name="cp3 kube-scheduler")]
    result = run_module(tls_endpoints, module_args(endpoints, new, new, expect_client="refused"), check_mode=True)
    assert result["failed"] and result["changed"] is False and result["rounds"] == 1
    message = result["msg"]
    assert message.startswith("cp1 kube-apiserver (127.0.0.1:%d) accepted the client certificate (HTTP 200), "
                              "expected refused; cp2 etcd (127.0.0.1:%d) serves a chain that does not end at the "
                              "given CA (certificate verify failed: unable to get local issuer certificate) and "
                              "accepted the client certificate" % (fine.port, stale.port))
    assert "cp3 kube-scheduler (127.0.0.1:%d) is unreachable (" % endpoints[2]["port"] in message
    assert message.endswith(". Waited 0 s.")
    assert [e["chain"] for e in result["endpoints"]] == ["trusted", "untrusted", "unreachable"]
    assert_no_key_material(result, cas)


# -- arguments and the client key ---------------------------------------------

def test_expecting_a_client_verdict_needs_a_client_certificate(cas, run_module):
    result = run_module(tls_endpoints, module_args([endpoint(closed_port())], cas["new"], expect_client="refused"))
    assert result["failed"] and result["msg"] == (
        "expect_client=refused needs a client certificate to try: give client_certificate and client_key, "
        "or expect_client=any")
    alone = run_module(tls_endpoints, dict(module_args([endpoint(closed_port())], cas["new"]),
                                           client_certificate=cas["new"].client_cert))
    assert alone["failed"] and "client_certificate" in alone["msg"] and "client_key" in alone["msg"]


@pytest.mark.parametrize("case", ["other key", "encrypted key", "not a certificate"])
def test_an_unusable_client_certificate_or_ca_fails_without_key_material(cas, run_module, case):
    new, old = cas["new"], cas["old"]
    args = module_args([endpoint(closed_port())], new, new)
    if case == "other key":
        args["client_key"] = old.client_key
    elif case == "encrypted key":
        args["client_key"] = _key_pem(new.client_key_object, password=b"secret")
    else:
        args["ca"] = "not a certificate"
    result = run_module(tls_endpoints, args)
    assert result["failed"] and "endpoints" not in result, result
    assert result["msg"].startswith({"other key": "client_certificate and client_key cannot be used together",
                                     "encrypted key": "client_key is encrypted",
                                     "not a certificate": "ca holds no usable PEM certificate"}[case])
    assert_no_key_material(result, cas)


def test_the_client_key_lives_in_a_private_file_removed_before_any_connection(cas, serve, monkeypatch, run_module):
    new = cas["new"]
    made = dict(dirs=[], files=[])
    real_mkdtemp, real_mkstemp = tempfile.mkdtemp, tempfile.mkstemp

    def spy_mkdtemp(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        made["dirs"].append((path, stat.S_IMODE(os.stat(path).st_mode)))
        return path

    def spy_mkstemp(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        made["files"].append((path, stat.S_IMODE(os.fstat(fd).st_mode), os.fstat(fd).st_size))
        return fd, path
    monkeypatch.setattr(tempfile, "mkdtemp", spy_mkdtemp)
    monkeypatch.setattr(tempfile, "mkstemp", spy_mkstemp)
    server = serve(new.server_cert, new.server_key, new.cert)  # its own files are made before the spy counts
    made["dirs"][:], made["files"][:] = [], []
    connections = []
    real_connect = tls_endpoints._connect

    def spy_connect(*args):
        connections.append([path for path, _mode in made["dirs"] if os.path.exists(path)])
        return real_connect(*args)
    monkeypatch.setattr(tls_endpoints, "_connect", spy_connect)
    old_umask = os.umask(0)
    try:
        result = run_module(tls_endpoints, module_args([endpoint(server)], new, new, expect_client="accepted"))
    finally:
        os.umask(old_umask)
    assert not result.get("failed"), result
    assert len(made["dirs"]) == 1 and made["dirs"][0][1] == 0o700
    assert [os.path.dirname(path) for path, _mode, _size in made["files"]] == [made["dirs"][0][0]] * 2
    assert [(mode, size) for _path, mode, size in made["files"]] == [(0o600, 0), (0o600, 0)]
    assert connections == [[]], "the key was still on disk when a connection was made"
    assert not any(os.path.exists(path) for path, _mode in made["dirs"])


def test_the_module_needs_only_the_standard_library():
    with open(tls_endpoints.__file__) as handle:
        tree = ast.parse(handle.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "ansible", "http", "os", "re", "shutil", "socket", "ssl", "tempfile", "time"}


def test_the_headers_go_with_the_request_as_a_front_proxy_sends_them(cas, serve):
    new = cas["new"]
    server = serve(new.server_cert, new.server_key, new.cert)
    result = probe(endpoint(server, path="/api", headers={"X-Remote-User": "kthw-ca-probe"}), new, client=new)
    server.settle(1)
    assert result["client"] == "accepted", result
    assert server.requests[0].startswith("GET /api HTTP/1.1\r\n")
    assert "\r\nX-Remote-User: kthw-ca-probe\r\n" in server.requests[0]


def test_a_header_with_a_line_break_is_refused_before_any_connection(cas, serve, run_module):
    new = cas["new"]
    server = serve(new.server_cert, new.server_key, new.cert)
    smuggled = endpoint(server, headers={"X-Remote-User": "a\r\nX-Remote-Group: system:masters"})
    result = run_module(tls_endpoints, module_args([smuggled], new, new, expect_client="accepted"))
    assert result["failed"] and "holds a line break" in result["msg"], result
    assert server.requests == [] and server.versions == []
