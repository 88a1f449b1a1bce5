"""hooks_create_container: in the container's namespaces before pivot_root,
once per record, with the container's view of the state (pid 1)."""

import json

import stepharness


def test_create_container_hooks_run_once_in_the_container(step_ctx, workdir):
    script, log = stepharness.logging_hook(workdir, f"hostname >> {workdir}/hook.log")
    step_ctx.spec["hooks"] = {"createContainer": [{"path": script}]}
    step_ctx.spec["hostname"] = "in-the-box"
    names = stepharness.init_steps_up_to("devices") + ["hostname", "hooks_create_container"]
    stepharness.run_init_steps(step_ctx, names, twice="hooks_create_container")
    with open(log) as f:
        lines = [line for line in f.read().splitlines() if line]
    state, hostname = json.loads(lines[0]), lines[1]
    assert len(lines) == 2 and state["pid"] == 1 and state["status"] == "creating"
    assert hostname == "in-the-box"
    stepharness.undo(step_ctx, "hooks_create_container", {}, times=2)
