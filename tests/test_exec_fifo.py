"""exec_fifo: one fifo however often applied; undo removes it, idempotently."""

import os
import stat

import stepharness


def test_exec_fifo_apply_twice_undo_twice(step_ctx):
    record = stepharness.apply(step_ctx, "exec_fifo", times=2)
    assert stat.S_ISFIFO(os.stat(step_ctx.fifo_path).st_mode)
    assert stat.S_IMODE(os.stat(step_ctx.fifo_path).st_mode) == 0o622
    stepharness.undo(step_ctx, "exec_fifo", record, times=2)
    assert not os.path.exists(step_ctx.fifo_path)


def test_exec_fifo_undo_without_apply(step_ctx):
    stepharness.undo(step_ctx, "exec_fifo", stepharness.plan(step_ctx, "exec_fifo"))
