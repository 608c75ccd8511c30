"""The privilege model: node work becomes root, controller work never does.

An inventory may set ansible_become for every host, the implicit localhost
included; so every task that runs on the controller says become: false itself,
and every play on the nodes says become: true (no reliance on the inventory).
"""

import glob
import os

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PLAYBOOKS = sorted(p for p in glob.glob(os.path.join(ROOT, "playbooks", "*.yml")) if not os.path.islink(p))
TASK_FILES = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml"))
                    + glob.glob(os.path.join(ROOT, "roles", "*", "handlers", "*.yml")))
CONTROLLER = ("localhost", "127.0.0.1")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or []


def tasks_in(items, inherited_become=None, inherited_delegate=None):
    """Every task with the become and delegate_to it runs with, blocks unfolded."""
    for task in items or []:
        become = task.get("become", inherited_become)
        delegate = task.get("delegate_to", inherited_delegate)
        if "block" in task:
            for key in ("block", "rescue", "always"):
                yield from tasks_in(task.get(key), become, delegate)
        else:
            yield task, become, delegate


def relative(path):
    return os.path.relpath(path, ROOT)


@pytest.mark.parametrize("path", TASK_FILES + PLAYBOOKS, ids=relative)
def test_controller_tasks_never_become(path):
    content = load(path)
    plays = content if path in PLAYBOOKS else [{"tasks": content, "hosts": None}]
    offending = []
    for play in plays:
        on_controller = play.get("hosts") in CONTROLLER
        if on_controller:
            assert play.get("become") is False, f"{relative(path)}: play {play.get('name')} on the controller needs become: false"
        for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            for task, become, delegate in tasks_in(play.get(key), play.get("become"), None):
                if delegate in CONTROLLER and become is not False:
                    offending.append(task.get("name"))
    assert not offending, f"{relative(path)}: tasks on the controller without become: false: {offending}"


def sorts_the_groups_only(play):
    """The first play of every playbook: group_by on the controller, no connection."""
    tasks = play.get("tasks") or []
    return bool(tasks) and all(task.get("ansible.builtin.import_role", {}).get("tasks_from") == "groups.yml"
                               for task in tasks)


@pytest.mark.parametrize("path", PLAYBOOKS, ids=relative)
def test_plays_on_nodes_become_root(path):
    for play in load(path):
        if "import_playbook" in play or play.get("hosts") in CONTROLLER or sorts_the_groups_only(play):
            continue
        assert play.get("become") is True, f"{relative(path)}: play {play.get('name')} on the nodes needs become: true"


def test_the_sample_inventory_does_not_set_become():
    settings = load(os.path.join(ROOT, "inventories", "ha", "group_vars", "all.yml")) or {}
    assert "ansible_become" not in settings
