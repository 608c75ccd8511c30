# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """How the modules of the kubernetes_api action group reach the kube-apiserver."""

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - URL of the kube-apiserver, for example V(https://127.0.0.1:6443).
      - Set it once for all modules of the action group with
        C(module_defaults) and C(group/kthw.control_plane.kubernetes_api).
    type: str
    required: true
  ca_path:
    description:
      - CA bundle that verifies the apiserver's serving certificate.
      - Without it, the system's trust store is used.
    type: path
  client_cert:
    description:
      - Client certificate (PEM) the apiserver authenticates the user by.
      - Its subject common name is the user and its organizations are the groups RBAC sees.
      - May also hold the key, then O(client_key) is not needed.
    type: path
  client_key:
    description:
      - Private key (PEM) of O(client_cert).
      - Only its path is used; the module never reads the key into its results.
    type: path
  ca_data:
    description:
      - The CA bundle itself (PEM), instead of O(ca_path).
      - For a module that runs on a node with credentials that stay on the controller, for
        example C(lookup('ansible.builtin.file', ...)).
    type: str
  client_cert_data:
    description:
      - The client certificate itself (PEM), instead of O(client_cert).
    type: str
  client_key_data:
    description:
      - The client certificate's private key itself (PEM), instead of O(client_key).
      - Held in a private (V(0700)) temporary folder on the target for the module's run only,
        since TLS loads keys from files; removed when the module ends. Never logged.
    type: str
  validate_certs:
    description:
      - Whether to verify the apiserver's certificate against O(ca_path).
      - Set V(false) only against a throw-away test server.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each answer of the apiserver.
    type: int
    default: 30
notes:
  - Talks to the apiserver with C(ansible.module_utils.urls.open_url) and client certificates;
    the C(kubernetes) Python package is not needed.
"""

    # The gates that ask every apiserver directly, from a node, with a credential that stays on
    # the controller.
    APISERVERS = r"""
options:
  api_urls:
    description: Each apiserver's own URL, such as C(https://10.0.0.11:6443), each once.
    type: list
    elements: str
    required: true
  ca_data:
    description: The cluster CA certificate, PEM.
    type: str
    required: true
  client_cert_data:
    description: A client certificate, PEM, allowed to do what the module asks of the apiservers.
    type: str
    required: true
  client_key_data:
    description:
      - Its private key, PEM.
      - Held in a private (V(0700)) temporary folder on the target for the module's run only, since
        TLS loads keys from files; removed when the module ends. Never logged.
    type: str
    required: true
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 30
notes:
  - Talks to the apiservers with C(ansible.module_utils.urls.open_url) and a client certificate;
    the C(kubernetes) Python package is not needed.
"""
