"""Every role documents its variables once: argument specs agree with the
defaults, and the README tables are generated from the specs."""

import glob
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROLES = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "roles", "*", "meta")))


def load(role, *parts):
    path = os.path.join(ROOT, "roles", role, *parts)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@pytest.mark.parametrize("role", ROLES)
def test_role_has_argument_specs_and_readme(role):
    assert load(role, "meta", "argument_specs.yml"), f"roles/{role} needs meta/argument_specs.yml"
    assert os.path.exists(os.path.join(ROOT, "roles", role, "README.md"))


@pytest.mark.parametrize("role", ROLES)
def test_defaults_match_argument_specs(role):
    defaults = load(role, "defaults", "main.yml") or {}
    # A default may belong to an entry point other than main (pki's report).
    options = {}
    for entry in load(role, "meta", "argument_specs.yml")["argument_specs"].values():
        options.update(entry.get("options") or {})
    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, f"roles/{role}: defaults without an argument spec: {undocumented}"
    for name, value in defaults.items():
        if options[name].get("required"):
            continue
        assert options[name].get("default") == value, f"roles/{role}: {name} default differs from its spec"


@pytest.mark.parametrize("role", ROLES)
def test_public_variables_carry_the_role_prefix(role):
    prefix = role + "_"
    for name in load(role, "defaults", "main.yml") or {}:
        assert name.startswith(prefix), f"roles/{role}: {name} lacks the {prefix} prefix"


def test_role_readmes_are_generated_from_the_specs():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "role_docs.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
