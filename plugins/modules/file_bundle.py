#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: file_bundle
short_description: Puts a set of folders and small files in place in one round trip, keys private from their first byte
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Makes a set of small files (certificates, keys, configuration files) on the node match what is
    asked, with one remote call for the whole set, where a loop of M(ansible.builtin.copy) takes two per file.
  - The folders the files go to (O(directories)) and the files to remove (O(files[].state=absent)) can be
    part of the same call, so that they take no task of their own.
  - Folders are handled first, in the order given. A missing folder is created with mode C(0700), then
    given its owner, group and mode; its parent must exist or come earlier in O(directories), since
    no parent is created implicitly. An existing folder whose owner, group or mode differ is changed in
    place, its mode narrowed first.
  - The action plugin reads every O(files[].src) on the controller and sends the contents with the
    module; the module compares each file's content (SHA-256), owner, group and mode, and acts only
    on what differs.
  - A file whose content differs is written to a temporary file in the same directory, created with
    mode C(0600) from its first byte, given its owner, group and mode, and renamed into place, so
    that a private key is never readable by others, not even for a moment.
  - A file whose owner, group or mode alone differ is changed in place, its mode narrowed first, so
    that nobody gains access that neither the old nor the new attributes grant.
  - Files with O(files[].state=absent) are removed last, after the new contents are in place.
  - Every folder and every file is checked before anything is written, so a missing user, group or
    directory, or anything in the way, fails the task before it changes anything.
  - Contents are never returned, logged or shown in diffs.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  # Not ansible.builtin.action_common_attributes.files: that name loads the ansible.builtin.files fragment.
  - action_common_attributes.files
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: partial
    details: The diff names each folder and file that changes with its owner, group and mode; a file's content shows only as changed or not.
  platform:
    platforms: posix
  safe_file_operations:
    support: partial
    details: Files are replaced atomically with a rename, not with C(atomic_move); SELinux contexts are not set.
  vault:
    support: full
options:
  directories:
    description:
      - The folders, handled in this order, before any file.
      - At least one of O(directories) and O(files) must not be empty.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - Absolute path of the folder on the node.
          - Its parent must exist or be an earlier entry of O(directories), unless O(directories[].parents=true).
          - A symbolic link or anything else that is not a folder at this path fails the task.
          - Each O(directories[].path) may appear once, and not as a O(files[].dest).
        type: path
        required: true
      owner:
        description: Owner of the folder, a user name or a numeric id.
        type: str
        default: root
      group:
        description:
          - Group of the folder, a group name or a numeric id.
          - Without it, the group named like O(directories[].owner) (or with its id, when the owner is numeric).
        type: str
      mode:
        description:
          - Mode of the folder, a quoted octal string such as V('0750'); symbolic modes are not supported.
          - As for M(ansible.builtin.file), an unquoted number is taken as the numeric value of the mode.
        type: raw
        default: '0755'
      parents:
        description:
          - Create the missing parent folders of O(directories[].path), as C(mkdir -p) does (owned by the user
            the module runs as, mode C(0755) narrowed by the umask). Existing parents are left as they are.
        type: bool
        default: false
  files:
    description:
      - The files, handled in this order, after O(directories).
      - Each present file needs exactly one of O(files[].src), O(files[].content) or
        O(files[].content_base64); an absent one takes none of them.
      - At least one of O(directories) and O(files) must not be empty.
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description:
          - File on the controller whose content is copied, read by the action plugin.
          - A relative path is looked up as M(ansible.builtin.copy) looks up its
            O(ansible.builtin.copy#module:src), in the C(files) folders of the role and the playbook.
          - Vault-encrypted files are decrypted.
        type: path
      content:
        description:
          - The content as text, written encoded as UTF-8.
          - For binary content use O(files[].content_base64).
        type: str
      content_base64:
        description:
          - The content, base64-encoded, for binary data.
          - The action plugin sends every content in this form.
        type: str
      dest:
        description:
          - Absolute path of the file on the node.
          - Its directory must exist or be one of O(directories).
          - Each O(files[].dest) may appear once.
        type: path
        required: true
      state:
        description:
          - V(present) makes the file match.
          - V(absent) removes the file or symbolic link at O(files[].dest), after every present file is in
            place; nothing there is no change, a folder there fails the task.
            O(files[].owner), O(files[].group) and O(files[].mode) are then not used.
        type: str
        choices: [present, absent]
        default: present
      marks:
        description:
          - Paths of marks to create on the node when the file's content changes, before the first
            file is replaced, as empty private files (their folder created V(0700) if missing).
          - A mark records a debt the new content brings (a component to restart); whoever pays it
            removes the mark, so a run stopped between the new file and the restart leaves the debt
            for the next run.
        type: list
        elements: path
        default: []
      owner:
        description: Owner of the file, a user name or a numeric id.
        type: str
        default: root
      group:
        description:
          - Group of the file, a group name or a numeric id.
          - Without it, the group named like O(files[].owner) (or with its id, when the owner is numeric).
        type: str
      mode:
        description:
          - Mode of the file, a quoted octal string such as V('0644'); symbolic modes are not supported.
          - As for M(ansible.builtin.file), an unquoted number is taken as the numeric value of the mode.
        type: raw
        default: '0600'
notes:
  - Meant for small files, since the contents travel with the arguments of the module.
  - A symbolic link at O(files[].dest) is replaced by a regular file; any other file that is not a
    regular file fails the task.
  - In check mode, a file in a missing folder that is one of O(directories) is reported as missing.
  - Changing owners needs root, usually C(become=true).
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Copy the certificates and keys
  kthw.control_plane.file_bundle:
    files:
      - src: "{{ inventory_dir }}/pki/nodes/{{ inventory_hostname }}/apiserver.crt"
        dest: /etc/kubernetes/pki/apiserver.crt
        mode: "0644"
      - src: "{{ inventory_dir }}/pki/nodes/{{ inventory_hostname }}/apiserver.key"
        dest: /etc/kubernetes/pki/apiserver.key
      - src: "{{ inventory_dir }}/pki/nodes/{{ inventory_hostname }}/etcd.key"
        dest: /etc/etcd/pki/server.key
        owner: etcd
        mode: "0400"
      - content: "{{ encryption_config | to_nice_yaml }}"
        dest: /etc/kubernetes/encryption-config.yaml
  become: true
  register: pki_files

- name: Make the etcd folders, put its key in place and drop the key of the old name
  kthw.control_plane.file_bundle:
    directories:
      - path: /etc/etcd
      - path: /etc/etcd/pki
        owner: etcd
        mode: "0700"
    files:
      - src: "{{ inventory_dir }}/pki/nodes/{{ inventory_hostname }}/etcd.key"
        dest: /etc/etcd/pki/server.key
        owner: etcd
        mode: "0400"
      - dest: /etc/etcd/pki/etcd.key
        state: absent
  become: true

- name: A binary file kept base64-encoded in a vaulted variable
  kthw.control_plane.file_bundle:
    files:
      - content_base64: "{{ vault_webhook_token_b64 }}"
        dest: /etc/kubernetes/webhook-token.bin
        owner: "0"
        group: "0"
        mode: "0400"
  become: true
"""

RETURN = r"""
changed_files:
  description:
    - The O(files[].dest) that changed (or in check mode would change), in the order given.
    - A removed file is one of them.
  returned: always
  type: list
  elements: str
  sample: [/etc/kubernetes/pki/apiserver.key]
files:
  description: Every file, in the order given, without its content.
  returned: always
  type: list
  elements: dict
  contains:
    dest:
      description: The O(files[].dest) of the file.
      type: str
      returned: always
      sample: /etc/kubernetes/pki/apiserver.key
    state:
      description: The O(files[].state) of the file.
      type: str
      returned: always
      sample: present
    changed:
      description: Whether the file changed (or in check mode would change).
      type: bool
      returned: always
      sample: true
    changed_reasons:
      description:
        - What differed, in this order, empty when nothing did.
        - V(missing) - the file did not exist.
        - V(type) - a symbolic link was there, replaced by the file.
        - V(content) - the content differed.
        - V(owner), V(group), V(mode) - the attribute differed.
        - V(absent) - a file or symbolic link was there, removed (O(files[].state=absent)).
      type: list
      elements: str
      returned: always
      sample: [content, mode]
marked:
  description: The O(files[].marks) of the files whose content changed (or in check mode would change).
  returned: always
  type: list
  elements: str
  sample: [/var/lib/kthw/restart-owed/kube-scheduler]
changed_directories:
  description: The O(directories[].path) that changed (or in check mode would change), in the order given.
  returned: always
  type: list
  elements: str
  sample: [/etc/etcd/pki]
directories:
  description: Every folder, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The O(directories[].path) of the folder.
      type: str
      returned: always
      sample: /etc/etcd/pki
    changed:
      description: Whether the folder changed (or in check mode would change).
      type: bool
      returned: always
      sample: true
    changed_reasons:
      description:
        - What differed, in this order, empty when nothing did.
        - V(missing) - the folder did not exist and was created.
        - V(owner), V(group), V(mode) - the attribute differed.
      type: list
      elements: str
      returned: always
      sample: [missing]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._files.bundle import sync_bundle
from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError
from ansible_collections.kthw.control_plane.plugins.module_utils._files.spec import ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = sync_bundle(module.params["files"], directories=module.params["directories"],
                             check_mode=module.check_mode, diff=module._diff)
    except BundleError as exc:
        module.fail_json(msg=str(exc), changed=bool(exc.changed_files or exc.changed_directories),
                         changed_files=exc.changed_files, changed_directories=exc.changed_directories)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
