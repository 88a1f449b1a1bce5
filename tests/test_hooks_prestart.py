"""hooks_prestart: the prestart hooks run once per record, with the state on
stdin; undo has nothing to do."""

import json
import os

import stepharness


def test_hooks_prestart_run_once_with_state(step_ctx, workdir):
    log = os.path.join(workdir, "log")
    script = os.path.join(workdir, "hook.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\ncat >> {log}; echo >> {log}\n")
    os.chmod(script, 0o755)
    step_ctx.spec["hooks"] = {"prestart": [{"path": script}]}
    record = stepharness.apply(step_ctx, "hooks_prestart", times=2)
    with open(log) as f:
        states = [json.loads(line) for line in f if line.strip()]
    assert len(states) == 1 and states[0]["id"] == step_ctx.id
    stepharness.undo(step_ctx, "hooks_prestart", record, times=2)
