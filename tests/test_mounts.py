"""mounts: each of the config's mounts once, however often applied."""

import stepharness


def test_mounts_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "mounts")
    assert sum(1 for m in seen['mounts'] if m == step_ctx.rootfs + '/proc proc') == 1


def test_mounts_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "mounts", {}, times=2)
