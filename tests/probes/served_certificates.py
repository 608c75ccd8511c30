"""Connects to every TLS endpoint of the control plane and prints, as JSON,
the serial and notAfter of the certificate each one serves right now.
Verifies the chain against the cluster's CAs; etcd ports get a client
certificate from the controller's certificate set.
Usage: served_certificates.py PKI_DIR APISERVER_PORT,ETCD_CLIENT_PORT,ETCD_PEER_PORT NAME=ADDRESS [...]
The result is keyed NAME:PORT.
"""

import json
import os
import socket
import ssl
import sys

from cryptography import x509


def served(address, port, cafile, client=None):
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = False  # the chain is verified; names are checked elsewhere
    if client:
        context.load_cert_chain(*client)
    with socket.create_connection((address, port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
    return {"serial": format(cert.serial_number, "x"),
            "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")}


def main(pki_dir, ports, nodes):
    apiserver_port, *etcd_ports = (int(port) for port in ports.split(","))
    result = {}
    for name, address in (pair.split("=", 1) for pair in nodes):
        etcd_client = tuple(os.path.join(pki_dir, "nodes", name, "etcd-healthcheck-client." + ext) for ext in ("crt", "key"))
        result[f"{name}:{apiserver_port}"] = served(address, apiserver_port, os.path.join(pki_dir, "ca", "kubernetes.crt"))
        for port in etcd_ports:
            result[f"{name}:{port}"] = served(address, port, os.path.join(pki_dir, "ca", "etcd.crt"), etcd_client)
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
