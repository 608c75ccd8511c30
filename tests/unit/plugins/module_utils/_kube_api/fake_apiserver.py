"""A tiny stand-in for the kube-apiserver, for unit tests.

Serves discovery, GET, server-side apply (PATCH application/apply-patch+yaml, with dryRun and
field-manager conflicts) and DELETE on an in-memory store, over HTTP or HTTPS with client
certificates (the user is the certificate's common name, as with the real apiserver). Every request
is recorded. It listens on 127.0.0.1 only, answers at most max_requests requests and stops by
itself after lifetime seconds.
"""

import copy
import datetime
import json
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

RESOURCES = {
    "v1": [
        ("namespaces", "Namespace", False),
        ("configmaps", "ConfigMap", True),
        ("secrets", "Secret", True),
        ("pods", "Pod", True),
        ("pods/status", "Pod", True),
    ],
    "rbac.authorization.k8s.io/v1": [
        ("clusterrolebindings", "ClusterRoleBinding", False),
        ("clusterroles", "ClusterRole", False),
        ("rolebindings", "RoleBinding", True),
        ("roles", "Role", True),
    ],
}
SERVER_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields")


class Request(object):
    def __init__(self, method, path, query, content_type, body, user):
        self.method = method
        self.path = path
        self.query = query
        self.content_type = content_type
        self.body = body
        self.user = user

    def __repr__(self):
        return "Request(%s %s %r)" % (self.method, self.path, self.query)


def status(code, reason, message):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}


def content(obj):
    """An object without what the server writes itself."""
    result = copy.deepcopy(obj)
    for field in SERVER_METADATA:
        result.get("metadata", {}).pop(field, None)
    result.pop("status", None)
    return result


class FakeApiserver(object):
    def __init__(self, tls=None, forbidden_users=(), max_requests=200, lifetime=60):
        self.tls = tls
        self.forbidden_users = set(forbidden_users)
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.requests = []
        self.store = {}  # (group/version, plural, namespace, name) -> object
        self._lock = threading.Lock()
        self._version = 100
        self._server = None
        self._thread = None
        self._timer = None

    # -- life cycle -------------------------------------------------------
    def start(self):
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls["server_cert"], self.tls["server_key"])
            context.load_verify_locations(self.tls["ca_cert"])
            context.verify_mode = ssl.CERT_OPTIONAL
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self._server.shutdown)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self):
        if self._server is not None:
            self._timer.cancel()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", port)

    # -- store ------------------------------------------------------------
    def _next_version(self):
        self._version += 1
        return str(self._version)

    def put(self, obj, manager="kubectl-client-side-apply"):
        """Stores an object as if another client had written it."""
        api_version, kind = obj["apiVersion"], obj["kind"]
        plural = [entry[0] for entry in RESOURCES[api_version] if entry[1] == kind and "/" not in entry[0]][0]
        stored = copy.deepcopy(obj)
        metadata = stored["metadata"]
        metadata.update(uid=str(uuid.uuid4()), resourceVersion=self._next_version(), generation=1,
                        creationTimestamp="2026-01-01T00:00:00Z",
                        managedFields=[{"manager": manager, "operation": "Update", "time": "2026-01-01T00:00:00Z"}])
        self.store[(api_version, plural, metadata.get("namespace"), metadata["name"])] = stored
        return stored

    def get(self, api_version, plural, name, namespace=None):
        return self.store.get((api_version, plural, namespace, name))

    def mutations(self):
        """The requests that would change the store if they were not dry runs."""
        return [r for r in self.requests if r.method in ("PATCH", "DELETE", "POST", "PUT")]

    # -- request handling -----------------------------------------------
    def handle(self, method, path, query, content_type, body, user):
        with self._lock:
            self.requests.append(Request(method, path, query, content_type, body, user))
            if len(self.requests) > self.max_requests:
                threading.Thread(target=self._server.shutdown).start()
                return status(503, "ServiceUnavailable", "the fake apiserver answered enough requests")
            if self.tls and not user:
                return status(401, "Unauthorized", "Unauthorized")
            return self._route(method, path, query, content_type, body, user)

    def _route(self, method, path, query, content_type, body, user):
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:1] == ["api"] and len(parts) >= 2:
            api_version, rest = parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            api_version, rest = "%s/%s" % (parts[1], parts[2]), parts[3:]
        else:
            return status(404, "NotFound", "the server could not find the requested resource")
        if api_version not in RESOURCES:
            return status(404, "NotFound", "the server could not find the requested resource")
        if not rest and method == "GET":
            return 200, {"kind": "APIResourceList", "groupVersion": api_version, "resources": [
                {"name": p, "kind": k, "namespaced": n, "verbs": ["get", "patch", "delete"]}
                for p, k, n in RESOURCES[api_version]]}
        namespace = None
        if len(rest) == 4 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if len(rest) != 2:
            return status(404, "NotFound", "the server could not find the requested resource")
        plural, name = rest
        scopes = dict((entry[0], entry[2]) for entry in RESOURCES[api_version])
        if plural not in scopes or scopes[plural] != (namespace is not None):
            return status(404, "NotFound", "the server could not find the requested resource")
        group = api_version.split("/")[0] if "/" in api_version else ""
        resource = "%s.%s" % (plural, group) if group else plural
        if user in self.forbidden_users:
            scope = "in the namespace \"%s\"" % namespace if namespace else "at the cluster scope"
            return status(403, "Forbidden", "%s \"%s\" is forbidden: User \"%s\" cannot %s resource \"%s\" in API group "
                                            "\"%s\" %s" % (resource, name, user, method.lower(), plural, group, scope))
        key = (api_version, plural, namespace, name)
        if method == "GET":
            if key not in self.store:
                return status(404, "NotFound", "%s \"%s\" not found" % (resource, name))
            return 200, self.store[key]
        if method == "DELETE":
            if key not in self.store:
                return status(404, "NotFound", "%s \"%s\" not found" % (resource, name))
            if query.get("dryRun") != ["All"]:
                del self.store[key]
            return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success",
                         "details": {"name": name, "kind": plural}}
        if method == "PATCH":
            return self._apply(key, resource, query, content_type, body)
        return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _apply(self, key, resource, query, content_type, body):
        api_version, plural, namespace, name = key
        if content_type != "application/apply-patch+yaml":
            return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
        managers = query.get("fieldManager")
        if not managers:
            return status(400, "BadRequest", "fieldManager is required for apply requests")
        manager = managers[0]
        force = query.get("force") == ["true"]
        dry_run = query.get("dryRun") == ["All"]
        obj = yaml.safe_load(body)
        if obj.get("metadata", {}).get("name") != name:
            return status(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)"
                          % (obj.get("metadata", {}).get("name"), name))
        if obj.get("kind") in ("ClusterRole", "Role"):
            for number, rule in enumerate(obj.get("rules") or []):
                if not rule.get("verbs"):
                    return status(422, "Invalid", "%s.%s \"%s\" is invalid: rules[%d].verbs: Required value: verbs "
                                  "must contain at least one value" % (obj["kind"], api_version.split("/")[0],
                                                                       name, number))
        wanted = content(obj)
        if namespace:
            wanted["metadata"]["namespace"] = namespace
        existing = self.store.get(key)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if existing is None:
            created = copy.deepcopy(wanted)
            created.setdefault("metadata", {}).update(
                uid=str(uuid.uuid4()), resourceVersion=self._next_version(), generation=1, creationTimestamp=now,
                managedFields=[{"manager": manager, "operation": "Apply", "time": now}])
            if not dry_run:
                self.store[key] = created
            return 201, created
        owners = [entry["manager"] for entry in existing["metadata"].get("managedFields", [])]
        differs = content(existing) != wanted
        if differs and not force and any(owner != manager for owner in owners):
            other = [owner for owner in owners if owner != manager][0]
            return status(409, "Conflict", "Apply failed with 1 conflict: conflict with \"%s\" using %s: .rules"
                          % (other, api_version))
        if not differs and owners == [manager]:
            return 200, existing  # a no-op apply writes nothing
        updated = copy.deepcopy(wanted)
        metadata = updated["metadata"]
        for field in ("uid", "creationTimestamp"):
            metadata[field] = existing["metadata"][field]
        metadata["generation"] = existing["metadata"]["generation"] + (1 if differs else 0)
        metadata["resourceVersion"] = self._next_version()
        metadata["managedFields"] = [{"manager": manager, "operation": "Apply", "time": now}]
        if not dry_run:
            self.store[key] = updated
        return 200, updated


class _Handler(BaseHTTPRequestHandler):
    fake = None

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def _user(self):
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def _serve(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else None
        code, answer = self.fake.handle(self.command, url.path, parse_qs(url.query),
                                        self.headers.get("Content-Type"), body, self._user())
        data = json.dumps(answer).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PATCH = do_DELETE = do_PUT = do_POST = _serve


def make_tls(directory):
    """A CA, a serving certificate for 127.0.0.1, client certificates and a foreign CA, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(common_name, organization=None):
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if organization:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        return x509.Name(attributes)

    def write(filename, data):
        path = str(directory / filename)
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def issue(subject, key, issuer, issuer_key, ca=False, usage=None, sans=None):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False,
                decipher_only=False), critical=True)
            builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                            critical=False)
        else:
            builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
        if usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def pem_key(key):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    def pem_cert(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    paths = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = issue(name("fake-kubernetes-ca"), ca_key, name("fake-kubernetes-ca"), ca_key, ca=True)
    paths["ca_cert"] = write("ca.crt", pem_cert(ca))
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = issue(name("some-other-ca"), other_key, name("some-other-ca"), other_key, ca=True)
    paths["other_ca_cert"] = write("other-ca.crt", pem_cert(other))

    server_key = ec.generate_private_key(ec.SECP256R1())
    server = issue(name("kube-apiserver"), server_key, ca.subject, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH,
                   sans=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    paths["server_cert"] = write("server.crt", pem_cert(server))
    paths["server_key"] = write("server.key", pem_key(server_key))

    for user, organization in (("admin", "system:masters"), ("nobody", None)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = issue(name(user, organization), key, ca.subject, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
        paths["%s_cert" % user] = write("%s.crt" % user, pem_cert(cert))
        paths["%s_key" % user] = write("%s.key" % user, pem_key(key))
    return paths
