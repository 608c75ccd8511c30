"""The component role's unit template writes every component's flags with systemd_exec_args: the flags used so far render
byte for byte as before (a re-run of an existing cluster changes no unit and restarts nothing), and
a value with $, %, spaces, quotes or backslashes reaches the process exactly as given."""

import pytest
from ansible.errors import AnsibleFilterError
from jinja2 import Environment, meta

from ansible_collections.kthw.control_plane.plugins.filter.systemd_exec_args import systemd_exec_args
from ansible_collections.kthw.control_plane.tests.unit.plugins.filter.test_systemd_exec_args import exec_start_argv
from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import (
    ROOT, Evaluation, find_task, role_variables)

FILTER = "kthw.control_plane.systemd_exec_args"
MEMBERS = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13"}
SPECIAL = {"v": "2", "tls-sni-cert-key": "/etc/a b.crt,/etc/a b.key", "log-text-info-buffer-size": "50%",
           "oidc-username-prefix": "$oidc:", "oidc-required-claim": 'team="core"', "runtime-config": "C:\\x\\"}


def old_exec_args(flags, variable=None):
    """What the templates wrote before: dictsort order, % doubled, nothing else."""
    return ["--%s=%s" % (name, str(value).replace("%", "%%"))
            for name, value in sorted(flags.items(), key=lambda item: item[0].lower())]


def play_variables(role, **more):
    variables = role_variables("cluster", role)
    variables.update(inventory_hostname="cp1", cluster_node_address=MEMBERS["cp1"], inventory_dir="/srv/inventory",
                     groups={"etcd": list(MEMBERS), "control_plane": list(MEMBERS), "lb": []},
                     hostvars=dict((host, {"cluster_node_address": address}) for host, address in MEMBERS.items()),
                     ansible_facts={"architecture": "x86_64"})
    variables.update(more)
    return variables


# What the unit template reads of the component role's variables.
UNIT_VARIABLES = ("component_name", "component_flags", "component_flags_variable", "component_unit")


def component_flags(role, task_name, extra_flags):
    """component_flags and the rest as the role's include_role of the component role gives them."""
    task = find_task(role, "main.yml", task_name)
    evaluation = Evaluation(task, play_variables(role, **{role + "_extra_flags": extra_flags}))
    return dict((name, evaluation.value("{{ %s | default({}) }}" % name)) for name in UNIT_VARIABLES), evaluation


def render(template, evaluation, context, exec_args):
    """The template as Ansible's template lookup renders it (trim_blocks, trailing newline kept)."""
    with open("%s/roles/%s" % (ROOT, template), encoding="utf-8") as handle:
        source = handle.read()
    environment = Environment(trim_blocks=True, keep_trailing_newline=True)
    environment.filters[FILTER] = exec_args
    names = meta.find_undeclared_variables(environment.parse(source)) - set(context) - {"ansible_managed"}
    values = dict((name, evaluation.value("{{ %s }}" % name)) for name in names)
    values.update(context, ansible_managed="Ansible managed")
    return environment.from_string(source).render(**values)


def units(extra):
    """(template, evaluation, context, binary, flags) of each unit, with extra flags given to every role."""
    for role, name in (("etcd", "Install and check the flags of etcd v{{ cluster_etcd_version }}"),
                       ("kube_apiserver", "Install and check the flags of kube-apiserver v{{ cluster_kubernetes_version }}"),
                       ("kube_controller_manager", "Run kube-controller-manager"),
                       ("kube_scheduler", "Run kube-scheduler")):
        context, evaluation = component_flags(role, name, extra)
        yield ("component/templates/component.service.j2", evaluation, context, context["component_name"],
               context["component_flags"])


@pytest.mark.parametrize("extra", [{}, {"quota-backend-bytes": 8589934592, "log-level": "info", "v": 2,
                                        "event-ttl": "1h0m0s", "feature-gates": "A=true,B=false"}])
def test_the_flags_used_so_far_render_byte_for_byte_as_before(extra):
    for template, evaluation, context, binary, flags in units(extra):
        new = render(template, evaluation, context, systemd_exec_args)
        assert new == render(template, evaluation, context, old_exec_args), template
        block = "ExecStart=/usr/local/bin/%s%s\n" % (binary, "".join(
            " \\\n  --%s=%s" % (name, str(value)) for name, value in sorted(flags.items())))
        assert block in new and "\nRestart=on-failure\n" in new, template


def test_special_values_reach_each_binary_as_given():
    for template, evaluation, context, binary, flags in units(SPECIAL):
        argv = exec_start_argv(render(template, evaluation, context, systemd_exec_args))
        assert argv[0] == "/usr/local/bin/" + binary
        assert argv[1:] == ["--%s=%s" % (name, flags[name]) for name in sorted(flags)], template
        assert set("--%s=%s" % item for item in SPECIAL.items()) <= set(argv[1:])


def test_the_old_templates_did_not():
    for template, evaluation, context, binary, flags in units({"oidc-username-prefix": "$oidc:", "x": "a b"}):
        old = render(template, evaluation, context, old_exec_args)
        assert "--x=a" in old and '"--x=a b"' not in old


def test_a_newline_in_an_extra_flag_fails_the_template_naming_the_variable():
    for template, evaluation, context, binary, flags in units({"x": "1\nExecStartPre=/bin/sh -c evil"}):
        with pytest.raises(AnsibleFilterError) as error:
            render(template, evaluation, context, systemd_exec_args)
        variable = context["component_flags_variable"]
        assert "the value of --x in %s holds a newline" % variable in str(error.value), template
