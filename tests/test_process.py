"""process: the user, groups and cwd of the process; a second apply is a no-op."""

import stepharness


def test_process_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "process")
    assert seen['cwd'] == '/'


def test_process_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "process", {}, times=2)


def test_process_switches_user_once(step_ctx):
    step_ctx.spec["process"]["user"] = {"uid": 65534, "gid": 65534, "additionalGids": [5]}
    step_ctx.spec["process"]["cwd"] = "/tmp/w"
    seen = stepharness.assert_init_step_idempotent(step_ctx, "process")
    assert seen["ids"] == [65534, 65534, [5]] and seen["cwd"] == "/tmp/w"


def test_process_finds_the_executable_in_path(step_ctx):
    step_ctx.spec["process"]["args"] = ["no-such-program"]
    import pytest
    with pytest.raises(AssertionError, match="executable file not found"):
        stepharness.run_init_steps(step_ctx, stepharness.init_steps_up_to("process"))
