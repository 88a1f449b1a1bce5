"""hooks_poststop: arming twice changes nothing; the hooks run once, on the
first undo, not on the second."""

import os

import stepharness


def hook_script(workdir, log):
    path = os.path.join(workdir, "hook.sh")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\necho ran >> {log}\n")
    os.chmod(path, 0o755)
    return path


def test_poststop_runs_once(step_ctx, workdir):
    log = os.path.join(workdir, "log")
    step_ctx.spec["hooks"] = {"poststop": [{"path": hook_script(workdir, log)}]}
    record = stepharness.apply(step_ctx, "hooks_poststop", times=2)
    assert not os.path.exists(log)
    stepharness.undo(step_ctx, "hooks_poststop", record, times=2)
    with open(log) as f:
        assert f.read() == "ran\n"
    stepharness.undo(step_ctx, "hooks_poststop", {})
