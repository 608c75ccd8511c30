"""The PKI modules document exactly the options they accept (ansible-test's
validate-modules checks the same, this is the fast feedback)."""

import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.doc_fragments.pki_files import ModuleDocFragment
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import REASONS
from ansible_collections.kthw.control_plane.plugins.modules import service_account_key, x509_ca, x509_certificate

MODULES = [x509_ca, x509_certificate, service_account_key]


class _Built(Exception):
    pass


def built_with(module, monkeypatch):
    """The keyword arguments module.main() builds its AnsibleModule with."""
    seen = {}

    def record(**kwargs):
        seen.update(kwargs)
        raise _Built()

    monkeypatch.setattr(module, "AnsibleModule", record)
    with pytest.raises(_Built):
        module.main()
    return seen


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_options_match_the_argument_spec(module, monkeypatch):
    kwargs = built_with(module, monkeypatch)
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["module"] == module.__name__.rsplit(".", 1)[-1]
    assert doc["version_added"] == "0.1.0"
    assert "kthw.control_plane.pki_files" in doc["extends_documentation_fragment"]
    options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    options.update(doc["options"])
    spec = kwargs["argument_spec"]
    assert sorted(options) == sorted(spec)
    for name, option in spec.items():
        documented = options[name]
        assert documented["type"] == option["type"], name
        assert documented.get("default") == option.get("default"), name
        assert bool(documented.get("required")) == bool(option.get("required")), name
        assert documented.get("choices") == option.get("choices"), name
        assert documented.get("elements") == option.get("elements"), name
    assert kwargs["supports_check_mode"] is True
    assert yaml.safe_load(module.EXAMPLES)
    returned = yaml.safe_load(module.RETURN)
    assert "changed_reasons" in returned


@pytest.mark.parametrize("module", [x509_ca, x509_certificate], ids=["x509_ca", "x509_certificate"])
def test_certificate_results_are_documented(module):
    returned = yaml.safe_load(module.RETURN)
    for name in ("subject", "issuer", "serial", "sans", "not_before", "not_after", "fingerprint"):
        assert returned[name]["returned"] == "always", name


def test_every_reissue_reason_is_documented():
    documented = yaml.safe_load(x509_certificate.RETURN)["changed_reasons"]["description"]
    text = " ".join(documented)
    for reason in REASONS:
        assert "V(%s)" % reason in text, reason
    description = " ".join(yaml.safe_load(x509_certificate.DOCUMENTATION)["description"])
    positions = [description.index("V(%s)" % reason) for reason in REASONS]
    assert positions == sorted(positions), "the description lists the reasons in the order they are checked"


@pytest.mark.parametrize("module, args", [
    (x509_ca, dict(path="ca.crt", key_path="ca.key", common_name="x")),
    (x509_certificate, dict(path="a.crt", key_path="a.key", ca_path="ca.crt", ca_key_path="ca.key", common_name="x")),
    (service_account_key, dict(path="sa.key", public_key_path="sa.pub")),
], ids=lambda value: getattr(value, "__name__", "").rsplit(".", 1)[-1] or "args")
def test_without_cryptography_the_module_fails_naming_it(monkeypatch, run_module, tmp_path, module, args):
    monkeypatch.setattr(module, "HAS_CRYPTOGRAPHY", False)
    monkeypatch.setattr(module, "CRYPTOGRAPHY_IMPORT_ERROR", "ImportError: No module named 'cryptography'")
    result = run_module(module, dict((k, str(tmp_path / v) if "path" in k else v) for k, v in args.items()))
    assert result["failed"] and "cryptography" in result["msg"]
    assert not list(tmp_path.iterdir())
