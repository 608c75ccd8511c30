"""Bounded probe of the apiserver endpoint: every interval, one read (GET the
namespace) and one write (server-side apply of a ConfigMap, or with --secret a
Secret, which the apiserver encrypts) with a client certificate; with
--token-file, also a SelfSubjectReview with that bearer token (a
service-account token), which must come back as --token-user. Stops by itself after --count rounds, or when --stop-file exists;
prints JSON with the failures and when they happened (seconds after started_at, the wall-clock
start), and the slowest round.

A request counts as failed when it errs or has no answer within --timeout (10 s by default): a client
waits for an answer (kubectl has no timeout unless told), and on a small test machine running three
control planes a busy apiserver now and then takes seconds to answer. How slow the slowest round was
is printed, so a stall shows even when no request failed.

With --kubeconfig instead of --cacert/--cert/--key, the CAs and the client certificate are the ones
that kubeconfig embeds, read again whenever the file changes: a client that follows the kubeconfig
its operator is given, as a CA rotation needs.
"""

import argparse
import base64
import json
import os
import shutil
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.request


def call(base, context, method, path, timeout, body=None, headers=None, content_type="application/apply-patch+yaml"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def describe(exc):
    """The error, with the apiserver's own reason when it answered (a 500 names the etcd or admission error)."""
    text = str(exc)
    if isinstance(exc, urllib.error.HTTPError):
        try:
            text += ": " + json.loads(exc.read() or b"{}").get("message", "")
        except (OSError, ValueError, AttributeError):
            pass
    return text[:300]


def token_user(base, context, token, timeout):
    """Who the apiserver takes the bearer token for (no client certificate on this connection)."""
    review = call(base, context, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", timeout,
                  {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
                  headers={"Authorization": "Bearer " + token}, content_type="application/json")
    return review["status"]["userInfo"]["username"]


class KubeconfigContext(object):
    """The TLS context of the kubeconfig's embedded CA data and client certificate, rebuilt when it changes."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.context = None
        self.reloads = 0

    def get(self):
        stat = os.stat(self.path)
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self.stamp:
            with open(self.path, encoding="utf-8") as handle:
                config = json.load(handle)
            cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
            context = ssl.create_default_context(
                cadata=base64.b64decode(cluster["certificate-authority-data"]).decode("ascii"))
            folder = tempfile.mkdtemp()
            try:
                for name, field in (("tls.crt", "client-certificate-data"), ("tls.key", "client-key-data")):
                    descriptor = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(descriptor, "wb") as handle:
                        handle.write(base64.b64decode(user[field]))
                context.load_cert_chain(os.path.join(folder, "tls.crt"), os.path.join(folder, "tls.key"))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            self.context, self.stamp = context, stamp
            self.reloads += 1
        return self.context


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cacert")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--kubeconfig", help="take the CAs and the client certificate from it, as it changes")
    parser.add_argument("--count", type=int, default=480)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--name", default="kthw-probe")
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--secret", action="store_true", help="write a Secret and read it back")
    parser.add_argument("--token-file", default="", help="also authenticate with this bearer token each round")
    parser.add_argument("--token-user", default="", help="whom the token must authenticate as")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a request may take before it fails")
    args = parser.parse_args()

    followed = None
    if args.kubeconfig:
        followed = KubeconfigContext(args.kubeconfig)
        if args.token_file and not args.cacert:
            parser.error("--token-file verifies the server with --cacert")
    elif not (args.cacert and args.cert and args.key):
        parser.error("give --kubeconfig, or --cacert, --cert and --key")
    else:
        context = ssl.create_default_context(cafile=args.cacert)
        context.load_cert_chain(args.cert, args.key)
    token = ""
    if args.token_file:
        with open(args.token_file, encoding="ascii") as handle:
            token = handle.read().strip()
        token_context = ssl.create_default_context(cafile=args.cacert)
    start = time.monotonic()
    started_at = time.time()
    rounds, failures, timeline, slowest = 0, 0, [], 0.0
    kind, plural = ("Secret", "secrets") if args.secret else ("ConfigMap", "configmaps")
    path = "/api/v1/namespaces/default/%s/%s" % (plural, args.name)
    for rounds in range(1, args.count + 1):
        if args.stop_file and os.path.exists(args.stop_file):
            rounds -= 1
            break
        tick = time.monotonic()
        try:
            if followed:
                context = followed.get()
            call(args.server, context, "GET", "/api/v1/namespaces/default", args.timeout)
            value = str(rounds)
            if args.secret:
                value = base64.b64encode(value.encode()).decode()
            call(args.server, context, "PATCH", path + "?fieldManager=kthw-probe&force=true", args.timeout, {
                "apiVersion": "v1", "kind": kind,
                "metadata": {"name": args.name, "namespace": "default"},
                "data": {"round": value}})
            if args.secret:
                call(args.server, context, "GET", path, args.timeout)
            if token:
                user = token_user(args.server, token_context, token, args.timeout)
                if user != args.token_user:
                    raise ValueError("the token authenticates as %s, not %s" % (user, args.token_user))
        except (urllib.error.URLError, OSError, ValueError, KeyError, ssl.SSLError) as exc:
            failures += 1
            timeline.append({"at_s": round(tick - start, 2), "took_s": round(time.monotonic() - tick, 2),
                             "error": describe(exc)})
        took = time.monotonic() - tick
        slowest = max(slowest, took)
        time.sleep(max(0.0, args.interval - took))
    per_round = 2 + (1 if args.secret else 0) + (1 if token else 0)
    json.dump({"rounds": rounds, "requests": rounds * per_round, "failed_rounds": failures,
               "failures": timeline[:50], "seconds": round(time.monotonic() - start, 1),
               "slowest_round_s": round(slowest, 2),
               "kubeconfig_reloads": followed.reloads if followed else 0,
               # A failure happened at started_at + its at_s (seconds since the epoch).
               "started_at": round(started_at, 3)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
