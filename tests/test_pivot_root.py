"""pivot_root: the rootfs becomes / once; a second apply finds it there."""

import stepharness


def test_pivot_root_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "pivot_root")
    import os
    st = os.stat(step_ctx.rootfs)
    assert seen["root"] == [st.st_ino, st.st_dev]


def test_pivot_root_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "pivot_root", {}, times=2)
