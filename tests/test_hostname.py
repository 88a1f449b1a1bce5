"""hostname: the config's hostname in the container's UTS namespace."""

import stepharness


def test_hostname_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "hostname")
    assert seen['hostname'] == step_ctx.spec['hostname']


def test_hostname_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "hostname", {}, times=2)
