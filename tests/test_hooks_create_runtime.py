"""hooks_create_runtime: the createRuntime hooks run once per record, with the state on
stdin; undo has nothing to do."""

import stepharness


def test_hooks_create_runtime_run_once_with_state(step_ctx, workdir):
    state = stepharness.assert_host_hooks_run_once(step_ctx, workdir, "hooks_create_runtime", "createRuntime")
    assert state["status"] == "creating"
