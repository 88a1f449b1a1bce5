"""pid_file: same content however often written; a failed create removes it."""

import os

import stepharness


def test_pid_file_apply_twice_undo_twice(step_ctx, workdir):
    path = os.path.join(workdir, "x.pid")
    step_ctx.options["pid_file"] = path
    step_ctx.init_pid = 4242
    record = stepharness.apply(step_ctx, "pid_file", times=2)
    with open(path) as f:
        assert f.read() == "4242"
    stepharness.undo(step_ctx, "pid_file", record, times=2)
    assert not os.path.exists(path)
    stepharness.undo(step_ctx, "pid_file", {})


def test_pid_file_is_kept_by_delete(step_ctx, workdir):
    # once the container exists the file is the engine's (runc keeps it too)
    path = os.path.join(workdir, "y.pid")
    step_ctx.options["pid_file"] = path
    step_ctx.init_pid = 7
    record = stepharness.apply(step_ctx, "pid_file")
    step_ctx.command = "delete"
    stepharness.undo(step_ctx, "pid_file", record)
    assert os.path.exists(path)
