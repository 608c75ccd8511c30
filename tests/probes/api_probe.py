"""Bounded probe of the apiserver endpoint: every interval, one read (GET the
namespace) and one write (server-side apply of a ConfigMap, or with --secret a
Secret, which the apiserver encrypts) with a client certificate; with
--token-file, also a SelfSubjectReview with that bearer token (a
service-account token), which must come back as --token-user. Stops by itself after --count rounds, or when --stop-file exists;
prints JSON with the failures and when they happened.
"""

import argparse
import base64
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request


def call(base, context, method, path, body=None, timeout=3.0, headers=None, content_type="application/apply-patch+yaml"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def token_user(base, context, token):
    """Who the apiserver takes the bearer token for (no client certificate on this connection)."""
    review = call(base, context, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                  {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
                  headers={"Authorization": "Bearer " + token}, content_type="application/json")
    return review["status"]["userInfo"]["username"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cacert", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--count", type=int, default=480)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--name", default="kthw-probe")
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--secret", action="store_true", help="write a Secret and read it back")
    parser.add_argument("--token-file", default="", help="also authenticate with this bearer token each round")
    parser.add_argument("--token-user", default="", help="whom the token must authenticate as")
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.cacert)
    context.load_cert_chain(args.cert, args.key)
    token = ""
    if args.token_file:
        with open(args.token_file, encoding="ascii") as handle:
            token = handle.read().strip()
        token_context = ssl.create_default_context(cafile=args.cacert)
    start = time.monotonic()
    rounds, failures, timeline = 0, 0, []
    kind, plural = ("Secret", "secrets") if args.secret else ("ConfigMap", "configmaps")
    path = "/api/v1/namespaces/default/%s/%s" % (plural, args.name)
    for rounds in range(1, args.count + 1):
        if args.stop_file and os.path.exists(args.stop_file):
            rounds -= 1
            break
        tick = time.monotonic()
        ok = True
        try:
            call(args.server, context, "GET", "/api/v1/namespaces/default")
            value = str(rounds)
            if args.secret:
                value = base64.b64encode(value.encode()).decode()
            call(args.server, context, "PATCH", path + "?fieldManager=kthw-probe&force=true", {
                "apiVersion": "v1", "kind": kind,
                "metadata": {"name": args.name, "namespace": "default"},
                "data": {"round": value}})
            if args.secret:
                call(args.server, context, "GET", path)
            if token:
                user = token_user(args.server, token_context, token)
                if user != args.token_user:
                    raise ValueError("the token authenticates as %s, not %s" % (user, args.token_user))
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            ok = False
            failures += 1
            timeline.append({"at_s": round(tick - start, 2), "error": str(exc)[:160]})
        time.sleep(max(0.0, args.interval - (time.monotonic() - tick)))
    per_round = 2 + (1 if args.secret else 0) + (1 if token else 0)
    json.dump({"rounds": rounds, "requests": rounds * per_round, "failed_rounds": failures,
               "failures": timeline[:50], "seconds": round(time.monotonic() - start, 1)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
