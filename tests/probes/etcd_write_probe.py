"""Bounded write probe for etcd: one write every interval through etcd's JSON
gateway with the given client certificate, failing over to the next endpoint
on a connection error, as etcd's own clients do. A probe fails only when no
endpoint accepts its write. Stops by itself after --count writes; prints JSON.
"""

import argparse
import base64
import http.client
import json
import ssl
import sys
import time
from urllib.parse import urlsplit


def put(endpoint, context, key, value, timeout):
    url = urlsplit(endpoint)
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=timeout)
    try:
        body = json.dumps({"key": base64.b64encode(key.encode()).decode(),
                           "value": base64.b64encode(value.encode()).decode()})
        conn.request("POST", "/v3/kv/put", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError("HTTP %d: %s" % (response.status, payload[:200]))
        return json.loads(payload)
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", required=True)
    parser.add_argument("--cacert", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--prefix", default="/kthw-probe/")
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.cacert)
    context.load_cert_chain(args.cert, args.key)
    endpoints = args.endpoints.split(",")
    failures, failovers, errors, last = 0, 0, [], ""
    start = time.monotonic()
    for attempt in range(args.count):
        tick = time.monotonic()
        for offset in range(len(endpoints)):
            endpoint = endpoints[(attempt + offset) % len(endpoints)]
            try:
                put(endpoint, context, "%s%06d" % (args.prefix, attempt), str(time.time()), args.timeout)
                break
            except (OSError, RuntimeError, ValueError, http.client.HTTPException) as exc:
                failovers += 1
                last = "%s: %s" % (endpoint, exc)
        else:
            failures += 1
            errors.append(last)
        time.sleep(max(0.0, args.interval - (time.monotonic() - tick)))
    json.dump({"writes": args.count, "failures": failures, "failovers": failovers,
               "errors": errors[:10], "seconds": round(time.monotonic() - start, 1)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
