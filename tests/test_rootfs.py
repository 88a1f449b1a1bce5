"""rootfs: the rootfs bind-mounted onto itself once, / made a slave."""

import stepharness


def test_rootfs_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "rootfs")
    assert sum(1 for m in seen['mounts'] if m.split()[0] == step_ctx.rootfs) == 1


def test_rootfs_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "rootfs", {}, times=2)
