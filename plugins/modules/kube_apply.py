#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kube_apply
short_description: Applies Kubernetes objects by server-side apply with client certificates
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Applies objects of any kind, given their C(apiVersion) and C(kind), to the kube-apiserver by
    server-side apply under one fixed field manager, or deletes them.
  - Finds each kind's resource path and scope through the apiserver's discovery
    (C(/api/v1), C(/apis/<group>/<version>)), once per apiVersion and run.
  - An object counts as changed only when its content changed; C(metadata.resourceVersion),
    C(metadata.managedFields), C(metadata.generation) and C(status) are not compared.
  - Check mode is the apiserver's own dry run (C(dryRun=All)); the apiserver validates, admits and
    authorizes the change and reports it, without storing anything.
  - Every path is resolved before the first object is applied, so a wrong kind or scope in a later
    document changes nothing.
extends_documentation_fragment:
  - kthw.control_plane.kube_api
options:
  definition:
    description:
      - The objects, as one dict, a list of dicts, or a string of one or more YAML documents
        (for example the output of P(ansible.builtin.template#lookup)).
      - Each object needs C(apiVersion), C(kind) and C(metadata.name); namespaced kinds also
        need C(metadata.namespace), cluster-scoped kinds must not have it.
      - Empty YAML documents are skipped; a C(kind=List) document is unfolded into its C(items).
      - Objects are applied in the given order.
    type: raw
    required: true
  state:
    description:
      - V(present) applies the objects; V(absent) deletes them (an object that does not exist is left alone).
    type: str
    choices: [present, absent]
    default: present
  field_manager:
    description:
      - The field manager the apply is done as. Keep it fixed, so later runs own the same fields.
    type: str
    default: kthw.control_plane
  force_conflicts:
    description:
      - Take over fields that another field manager owns (server-side apply C(force=true)).
      - Without it, such a conflict fails the task and names the other manager.
    type: bool
    default: false
notes:
  - Supports check mode and diff mode. Diffs show each changed object before and after, without
    the fields that are not compared.
  - The values of a C(Secret)'s C(data) and C(stringData) are replaced by a marker in results and
    diffs and masked in the rest of the output. Set C(no_log=true) on the task as well to keep them
    out of the target's log of module arguments.
  - The apiserver must serve server-side apply (Kubernetes 1.22 or newer) and discovery, and the
    user of O(client_cert) needs C(get) and C(patch) (C(delete) for O(state=absent)) on each kind.
"""

EXAMPLES = r"""
- name: Apply the RBAC bootstrap objects with the break-glass credential
  module_defaults:
    group/kthw.control_plane.kubernetes_api:
      api_url: https://127.0.0.1:6443
      ca_path: /etc/kubernetes/pki/ca.crt
      client_cert: /etc/kubernetes/pki/break-glass.crt
      client_key: /etc/kubernetes/pki/break-glass.key
  block:
    - name: Let the apiserver reach the kubelets' API
      kthw.control_plane.kube_apply:
        definition: "{{ lookup('ansible.builtin.template', 'kubelet-api-access.yaml.j2') }}"

    - name: Let the ops group read everything
      kthw.control_plane.kube_apply:
        definition:
          apiVersion: rbac.authorization.k8s.io/v1
          kind: ClusterRoleBinding
          metadata:
            name: kthw:ops-view
          roleRef:
            apiGroup: rbac.authorization.k8s.io
            kind: ClusterRole
            name: view
          subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: Group
              name: ops

    - name: Remove a role that is no longer used
      kthw.control_plane.kube_apply:
        state: absent
        definition:
          apiVersion: rbac.authorization.k8s.io/v1
          kind: Role
          metadata:
            name: old-reader
            namespace: kube-system
"""

RETURN = r"""
results:
  description: One entry per object, in the order they were applied.
  returned: always
  type: list
  elements: dict
  contains:
    api_version:
      description: The object's apiVersion.
      type: str
      sample: rbac.authorization.k8s.io/v1
    kind:
      description: The object's kind.
      type: str
      sample: ClusterRole
    name:
      description: The object's name.
      type: str
      sample: kthw:kube-apiserver-to-kubelet
    namespace:
      description: The object's namespace; null for cluster-scoped kinds.
      type: str
    changed:
      description: Whether the object's content changed (or would change, in check mode).
      type: bool
    method:
      description: What happened to the object.
      type: str
      choices: [created, updated, unchanged, deleted, absent]
    object:
      description:
        - The object as the apiserver answered the apply (in check mode, its dry run), or as it was
          before it was deleted; null when it did not exist.
        - Without C(metadata.resourceVersion), C(metadata.managedFields) and C(metadata.generation);
          Secret values are redacted.
      type: dict
      sample:
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: kthw:kube-apiserver-to-kubelet
          uid: 0b6e5e44-5c7f-4a4e-9a43-0f2b1e6f1c3a
          creationTimestamp: "2026-01-01T00:00:00Z"
        rules:
          - apiGroups: [""]
            resources: [nodes/proxy]
            verbs: ["*"]
status_code:
  description: The HTTP status of the apiserver's answer that failed the task.
  returned: on failure, when the apiserver answered
  type: int
  sample: 403
reason:
  description: The reason of the apiserver's Status that failed the task.
  returned: on failure, when the apiserver answered
  type: str
  sample: Forbidden
"""

import copy

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.apply import (
    DEFAULT_FIELD_MANAGER, KubeApply)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    KUBE_API_ARGUMENT_SPEC, KUBE_API_MUTUALLY_EXCLUSIVE, KubeClient)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.objects import (
    load_definitions, secret_values)


def main():
    argument_spec = copy.deepcopy(KUBE_API_ARGUMENT_SPEC)
    argument_spec.update(
        definition=dict(type="raw", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        field_manager=dict(type="str", default=DEFAULT_FIELD_MANAGER),
        force_conflicts=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, mutually_exclusive=KUBE_API_MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    params = module.params
    applier = None
    try:
        objects = load_definitions(params["definition"])
        module.no_log_values.update(secret_values(objects))
        with KubeClient.from_params(params) as client:
            applier = KubeApply(client, params["field_manager"], params["force_conflicts"],
                                module.check_mode, module._diff)
            result = applier.run(objects, params["state"])
    except KubeApiError as exc:
        done = applier.results if applier else []
        module.fail_json(msg=str(exc), changed=any(r["changed"] for r in done), results=done, **exc.facts())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
