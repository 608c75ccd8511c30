"""Evaluates the expressions of a role's tasks with Ansible's own templating, without a play.

A test gives what a play would hold (inventory groups, hostvars, registered results) as a table
row; the role's defaults and vars, and the cluster role's defaults, are loaded from the checkout.
Only ansible.builtin filters and tests are available here: the collection's own plugins are
tested directly.
"""

import os

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
_LOADER = DataLoader()


def load(*parts):
    """A YAML file of the checkout, its strings trusted as templates as a play would trust them."""
    return _LOADER.load_from_file(os.path.join(ROOT, *parts), trusted_as_template=True) or {}


def role_variables(*roles):
    """Defaults, then vars, of each role in turn (later ones win), as a play including them sees them."""
    variables = {}
    for role in roles:
        for kind in ("defaults", "vars"):
            if os.path.exists(os.path.join(ROOT, "roles", role, kind, "main.yml")):
                variables.update(load("roles", role, kind, "main.yml"))
    return variables


def _walk(tasks):
    for task in tasks or []:
        yield task
        for key in ("block", "rescue", "always"):
            for inner in _walk(task.get(key)):
                yield dict(inner, __parent_vars=dict(task.get("vars") or {}, **inner.get("__parent_vars", {})))


def find_task(role, tasks_file, name):
    """The task of that name (inside blocks too), with the vars of its enclosing blocks."""
    found = [task for task in _walk(load("roles", role, "tasks", tasks_file)) if task.get("name") == name]
    assert len(found) == 1, "roles/%s/tasks/%s: %d tasks named %r" % (role, tasks_file, len(found), name)
    return found[0]


def task_names(role, tasks_file):
    return [task.get("name") for task in load("roles", role, "tasks", tasks_file)]


class Evaluation(object):
    """The variables of one task on one host: the given ones, then its blocks' and its own vars."""

    def __init__(self, task, variables):
        self.task = task
        merged = dict(variables)
        merged.update(task.get("__parent_vars", {}))
        merged.update(task.get("vars") or {})
        # Ansible's magic variable: every variable of the host by name.
        merged["vars"] = dict(merged)
        self.templar = Templar(loader=_LOADER, variables=merged)

    def value(self, template):
        """A template of the task, or one the test gives (trusted like the task's own)."""
        return self.templar.template(trust_as_template(template))

    def condition(self, condition):
        return self.templar.evaluate_conditional(condition)

    def args(self, action):
        return self.task[action]

    def assertion(self):
        """(passed, message) of an ansible.builtin.assert task: message is its fail_msg when it fails."""
        args = self.args("ansible.builtin.assert")
        that = args["that"] if isinstance(args["that"], list) else [args["that"]]
        passed = all(self.condition(condition) for condition in that)
        return passed, (None if passed else self.value(args["fail_msg"]))

    def facts(self):
        """The facts an ansible.builtin.set_fact task sets."""
        return dict((name, self.value(template)) for name, template in self.args("ansible.builtin.set_fact").items())
