"""A rotation stopped half-way and finished by the next run (side_effects/rotation_resume.yml, make
test-full), from the results it kept in rotation-resume.json and the serials recorded around each run."""

import pytest
from fleet import APISERVER_PORT, hosts_of, side_effect_results

NODES = hosts_of("control_plane")


@pytest.fixture(scope="module")
def resume():
    return side_effect_results("rotation-resume")


def test_a_limited_rotation_is_refused(resume):
    limited = resume["limited"]
    assert limited["rc"] != 0
    assert "(--limit)" in " ".join(limited["output"].split()) and "Nothing was rotated" in limited["output"]


def test_a_rotation_stopped_half_way_is_finished_by_the_next_run(resume):
    before, interrupted, finished = (side_effect_results(name) for name in ("resume-before", "resume-interrupted", "resume-finished"))
    apiservers = [f"nodes/{name}/apiserver.crt" for name in NODES]
    # The stopped run reissued the three apiserver certificates, rolled cp1 out and recorded it.
    assert resume["interrupted"]["rc"] != 0
    assert resume["interrupted"]["record"]["done"] == [NODES[0]]
    assert sorted(resume["interrupted"]["record"]["certificates"]) == sorted(f"{name}/apiserver" for name in NODES)
    assert all(interrupted[path] != before[path] for path in apiservers)
    assert {path: serial for path, serial in interrupted.items() if path not in apiservers} == \
        {path: serial for path, serial in before.items() if path not in apiservers}
    # New filters were refused while it was unfinished.
    assert resume["filtered"]["rc"] != 0 and "did not finish" in " ".join(resume["filtered"]["output"].split())
    # The next run finished it without reissuing anything and removed the record...
    assert resume["resumed"]["rc"] == 0 and "Finishing the rotation started" in resume["resumed"]["output"]
    assert finished == interrupted
    assert resume["resumed"]["record_left"] is False
    # ...and every apiserver serves its new certificate.
    for name in NODES:
        assert resume["served"][f"{name}:{APISERVER_PORT}"]["serial"] == finished[f"nodes/{name}/apiserver.crt"], name
