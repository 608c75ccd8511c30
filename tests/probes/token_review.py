"""Asks each apiserver directly whom a bearer token authenticates (TokenReview,
with a client certificate allowed to create them), and reads the id of the key
that signed it from its header. Prints JSON; never the token.
"""

import argparse
import base64
import json
import ssl
import sys
import urllib.error
import urllib.request


def key_id(token):
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("kid")


def review(server, context, token):
    body = json.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                       "spec": {"token": token}}).encode()
    request = urllib.request.Request(server + "/apis/authentication.k8s.io/v1/tokenreviews", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            status = json.loads(response.read()).get("status", {})
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return {"authenticated": None, "error": str(exc)[:200]}
    return {"authenticated": bool(status.get("authenticated")),
            "username": status.get("user", {}).get("username", ""), "error": status.get("error", "")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", action="append", required=True)
    parser.add_argument("--cacert", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--token-file", required=True)
    args = parser.parse_args()
    with open(args.token_file, encoding="ascii") as handle:
        token = handle.read().strip()
    context = ssl.create_default_context(cafile=args.cacert)
    context.load_cert_chain(args.cert, args.key)
    json.dump({"key_id": key_id(token), "reviews": {server: review(server, context, token) for server in args.server}},
              sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
