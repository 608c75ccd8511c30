"""x509_ca_retire: the new CA takes the old one's name, the old one is kept under its retired name, a run
stopped at any step is finished by the next, check mode moves nothing, and nothing is lost."""

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import x509_ca, x509_ca_retire


@pytest.fixture
def pair(tmp_path, run_module, tools):
    """An old CA (ca.crt) and its successor (ca-next.crt), as a rotation leaves them."""
    for stem, name in (("ca", "old-ca"), ("ca-next", "new-ca")):
        result = run_module(x509_ca, tools.ca_args(tmp_path, path=str(tmp_path / (stem + ".crt")),
                                                   key_path=str(tmp_path / (stem + ".key")), common_name=name))
        assert result["changed"], result
    return tmp_path


def retire_args(d):
    return dict(path=str(d / "ca.crt"), key_path=str(d / "ca.key"), next_path=str(d / "ca-next.crt"),
                next_key_path=str(d / "ca-next.key"), retired_path=str(d / "ca-retired.crt"),
                retired_key_path=str(d / "ca-retired.key"))


def test_the_new_ca_takes_the_name_and_the_old_one_is_kept(pair, run_module, tools):
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, retire_args(pair))
    assert result["changed"], result
    after = tools.snapshot(pair)
    assert sorted(after) == ["ca-retired.crt", "ca-retired.key", "ca.crt", "ca.key"]
    assert (after["ca.crt"], after["ca.key"]) == (before["ca-next.crt"], before["ca-next.key"])
    assert (after["ca-retired.crt"], after["ca-retired.key"]) == (before["ca.crt"], before["ca.key"])
    assert tools.mode_of(pair / "ca.key") == 0o600 and tools.mode_of(pair / "ca-retired.key") == 0o600
    tools.assert_no_key_material(result, pair)
    # Done is done.
    assert not run_module(x509_ca_retire, retire_args(pair))["changed"]


def test_check_mode_lists_the_moves_and_moves_nothing(pair, run_module, tools):
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, retire_args(pair), check_mode=True)
    assert result["changed"] and "ca-next.crt -> (removed)" in " ".join(result["moved"]), result
    assert tools.snapshot(pair) == before


@pytest.mark.parametrize("stopped_after", ["retired key kept", "retired pair kept", "key moved", "pair moved"])
def test_a_run_stopped_at_any_step_is_finished_by_the_next(pair, run_module, tools, stopped_after):
    before = tools.snapshot(pair)
    (pair / "ca-retired.key").write_bytes(before["ca.key"])
    if stopped_after != "retired key kept":
        (pair / "ca-retired.crt").write_bytes(before["ca.crt"])
    if stopped_after in ("key moved", "pair moved"):
        (pair / "ca.key").write_bytes(before["ca-next.key"])
    if stopped_after == "pair moved":
        (pair / "ca.crt").write_bytes(before["ca-next.crt"])
    result = run_module(x509_ca_retire, retire_args(pair))
    assert result["changed"] and not result.get("failed"), result
    after = tools.snapshot(pair)
    assert (after["ca.crt"], after["ca.key"]) == (before["ca-next.crt"], before["ca-next.key"])
    assert (after["ca-retired.crt"], after["ca-retired.key"]) == (before["ca.crt"], before["ca.key"])
    assert "ca-next.crt" not in after


def test_another_retired_ca_in_the_way_is_never_overwritten(pair, run_module, tools):
    (pair / "ca-retired.key").write_bytes(b"someone else's key\n")
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, retire_args(pair))
    assert result.get("failed") and "move it aside" in result["msg"], result
    assert tools.snapshot(pair) == before


def test_without_any_ca_it_says_to_restore(tmp_path, run_module):
    result = run_module(x509_ca_retire, retire_args(tmp_path))
    assert result.get("failed") and "restore the CA from your backup" in result["msg"], result


@pytest.mark.parametrize("left", ["ca-next.key", "ca-next.crt"])
def test_a_run_stopped_between_the_two_removals_leaves_no_copy_of_the_key_behind(pair, run_module, tools, left):
    assert run_module(x509_ca_retire, retire_args(pair))["changed"]
    # As if the run stopped after removing one of the two: a copy of what took the name is left.
    (pair / left).write_bytes((pair / left.replace("-next", "")).read_bytes())
    result = run_module(x509_ca_retire, retire_args(pair))
    assert result["changed"] and result["moved"] == ["%s -> (removed)" % (pair / left)], result
    assert sorted(tools.snapshot(pair)) == ["ca-retired.crt", "ca-retired.key", "ca.crt", "ca.key"]


def test_a_lone_next_key_that_is_not_the_ca_key_is_never_deleted(pair, run_module, tools):
    (pair / "ca-next.crt").unlink()
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, retire_args(pair))
    assert result.get("failed") and "without its pair" in result["msg"], result
    assert tools.snapshot(pair) == before


def abandon_args(d):
    return dict(retire_args(d), retired_path=str(d / "ca-abandoned.crt"), retired_key_path=str(d / "ca-abandoned.key"),
                state="abandoned")


def test_a_rollback_keeps_the_new_ca_aside_and_the_old_one_keeps_its_name(pair, run_module, tools):
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, abandon_args(pair))
    assert result["changed"], result
    after = tools.snapshot(pair)
    assert sorted(after) == ["ca-abandoned.crt", "ca-abandoned.key", "ca.crt", "ca.key"]
    assert (after["ca.crt"], after["ca.key"]) == (before["ca.crt"], before["ca.key"])
    assert (after["ca-abandoned.crt"], after["ca-abandoned.key"]) == (before["ca-next.crt"], before["ca-next.key"])
    assert tools.mode_of(pair / "ca-abandoned.key") == 0o600
    tools.assert_no_key_material(result, pair)
    assert not run_module(x509_ca_retire, abandon_args(pair))["changed"]


@pytest.mark.parametrize("stopped_after", ["key kept", "pair kept", "certificate removed"])
def test_a_rollback_stopped_at_any_step_is_finished_by_the_next(pair, run_module, tools, stopped_after):
    before = tools.snapshot(pair)
    (pair / "ca-abandoned.key").write_bytes(before["ca-next.key"])
    if stopped_after != "key kept":
        (pair / "ca-abandoned.crt").write_bytes(before["ca-next.crt"])
    if stopped_after == "certificate removed":
        (pair / "ca-next.crt").unlink()
    result = run_module(x509_ca_retire, abandon_args(pair))
    assert result["changed"] and not result.get("failed"), result
    after = tools.snapshot(pair)
    assert sorted(after) == ["ca-abandoned.crt", "ca-abandoned.key", "ca.crt", "ca.key"]
    assert (after["ca-abandoned.crt"], after["ca-abandoned.key"]) == (before["ca-next.crt"], before["ca-next.key"])


def test_a_rollback_never_overwrites_another_abandoned_ca(pair, run_module, tools):
    (pair / "ca-abandoned.key").write_bytes(b"another rotation's key\n")
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, abandon_args(pair))
    assert result.get("failed") and "move it aside" in result["msg"], result
    assert tools.snapshot(pair) == before


def test_a_rollback_without_the_old_ca_says_to_restore_it(pair, run_module, tools):
    (pair / "ca.key").unlink()
    before = tools.snapshot(pair)
    result = run_module(x509_ca_retire, abandon_args(pair))
    assert result.get("failed") and "restore the CA from your backup" in result["msg"], result
    assert tools.snapshot(pair) == before
