"""The layout contract: the cluster role alone spells the cluster's paths, ports,
TLS settings and group names; every other role and playbook reads its names.

The literals are taken from the cluster role itself (its defaults and the
cluster_node_paths / cluster_controller_paths tables), so a new entry there is
guarded without touching this test.
"""

import glob
import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CLUSTER = os.path.join(ROOT, "roles", "cluster")
GROUP_SETTINGS = ("cluster_etcd_group", "cluster_control_plane_group", "cluster_lb_group")
# The node folders: a path composed from one outside the cluster role is a path
# the contract does not know (inside its data folder, etcd keeps its own layout).
NODE_FOLDERS = ("cluster_kubernetes_pki_dir", "cluster_etcd_pki_dir", "cluster_kubernetes_config_dir",
                "cluster_etcd_config_dir", "cluster_restart_marks_dir")
PORT_SETTINGS = ("cluster_api_endpoint_port", "cluster_apiserver_port", "cluster_etcd_client_port",
                 "cluster_etcd_peer_port")
TABLES = ("cluster_node_paths", "cluster_controller_paths")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


DEFAULTS = load(os.path.join(CLUSTER, "defaults", "main.yml"))
VARS = load(os.path.join(CLUSTER, "vars", "main.yml"))


def literal_part(value):
    """What a contract entry spells itself: the text after its last template."""
    return value.rsplit("}}", 1)[-1]


def contract_literals():
    literals = {value for value in DEFAULTS.values() if isinstance(value, str) and value.startswith("/")}
    literals |= set(DEFAULTS["cluster_tls_cipher_suites"])
    literals |= {VARS["cluster_tls_min_version_kubernetes"], VARS["cluster_tls_min_version_etcd"]}
    for table in TABLES:
        for name, value in VARS[table].items():
            # A leaf is spelled with its extension (cp1/apiserver names a leaf, not a file).
            suffixes = (".crt", ".key") if name.endswith("_leaf") else ("",)
            literals |= {literal_part(value) + suffix for suffix in suffixes}
    return sorted(literal for literal in literals if literal)


def literal_pattern(literal):
    # A path is spelled when nothing continues its last name (/var/lib/etcd, not /var/lib/etcd-snapshots).
    return re.compile(re.escape(literal) + r"(?![\w.-])")


def port_pattern(port):
    return re.compile(r"(?<![\w.])%d(?![\w.])" % port)


def composed_pattern(folder):
    return re.compile(r"%s\s*(\}\}/|~\s*['\"]/)" % folder)


def group_patterns(name):
    quoted = r"""['"]%s['"]""" % re.escape(name)
    return [re.compile(r"^\s*hosts:.*(?<![\w.])%s(?![\w.])" % re.escape(name)),
            re.compile(r"groups\[\s*%s\s*\]" % quoted),
            re.compile(r"%s\s+(not\s+)?in\s+group_names" % quoted)]


def consumer_files():
    """Every task, variable, template and playbook outside the cluster role."""
    files = []
    for role in sorted(glob.glob(os.path.join(ROOT, "roles", "*"))):
        if role == CLUSTER:
            continue
        for pattern in ("**/*.yml", "**/*.j2"):
            files += glob.glob(os.path.join(role, pattern), recursive=True)
    files += [p for p in glob.glob(os.path.join(ROOT, "playbooks", "**", "*.yml"), recursive=True)
              if not os.path.islink(p)]
    return sorted(files)


def code_lines(path):
    """The file's lines without YAML and Jinja comments (prose may name a default)."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.lstrip().startswith(("#", "{#")):
                continue
            yield number, line.rstrip("\n")


def relative(path):
    return os.path.relpath(path, ROOT)


CHECKS = ([(literal, literal_pattern(literal)) for literal in contract_literals()]
          + [("port %s" % DEFAULTS[name], port_pattern(DEFAULTS[name])) for name in PORT_SETTINGS]
          + [("group %s" % DEFAULTS[name], pattern) for name in GROUP_SETTINGS for pattern in group_patterns(DEFAULTS[name])]
          + [("a path under %s" % folder, composed_pattern(folder)) for folder in NODE_FOLDERS])


def test_the_contract_names_what_it_guards():
    literals = contract_literals()
    for expected in ("/etc/kubernetes/pki", "/etc/etcd/pki", "/var/lib/etcd", "/ca.crt", "/sa.key",
                     "/controller-manager.conf", "/ca/kubernetes.crt", "/break-glass.key", "/apiserver.crt", "/etc/systemd/system",
                     "VersionTLS12", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"):
        assert expected in literals
    assert [DEFAULTS[name] for name in PORT_SETTINGS] == [6443, 6443, 2379, 2380]


@pytest.mark.parametrize("path", consumer_files(), ids=relative)
def test_only_the_cluster_role_spells_the_layout(path):
    spelled = [f"{relative(path)}:{number}: {what}: {line.strip()}"
               for number, line in code_lines(path)
               for what, pattern in CHECKS if pattern.search(line)]
    assert not spelled, "read these from the cluster role's contract instead:\n" + "\n".join(spelled)


@pytest.mark.parametrize("line,spelled", [
    ('    dest: /etc/kubernetes/pki/ca.crt', True),
    ('  ca_path: "{{ cluster_kubernetes_pki_dir }}/ca.crt"', True),
    ('  url: https://127.0.0.1:2379/health', True),
    ('  hosts: etcd:control_plane', True),
    ("  when: \"'etcd' in group_names\"", True),
    ("  loop: \"{{ groups['control_plane'] }}\"", True),
    ('  tls-min-version: VersionTLS12', True),
    ('  mark: "{{ cluster_restart_marks_dir }}/etcd"', True),
    ("  path: \"{{ cluster_kubernetes_config_dir ~ '/admin.conf' }}\"", True),
    ('  paths: "{{ [cluster_kubernetes_pki_dir, cluster_etcd_pki_dir] }}"', False),
    ('  ca_path: "{{ cluster_node_paths.kubernetes_ca }}"', False),
    ('  outbox: /var/lib/etcd-snapshots', False),
    ('  hosts: kthw_etcd', False),
    ('  name: etcd', False),
    ('  version: 3.7.23790', False),
])
def test_the_checks_see_a_spelled_layout(line, spelled):
    assert any(check[1].search(line) for check in CHECKS) is spelled
