"""spawn_init: one init however often applied; undo kills it, idempotently."""

import os

import stepharness
from fsmrun.runtime import proc
from fsmrun.statemachine.pipeline import Phase, Pipeline


def test_spawn_init_apply_twice_undo_twice(step_ctx):
    stepharness.apply(step_ctx, "exec_fifo")
    # an init that waits for the parent's next phase, which never comes
    step_ctx.pipeline = Pipeline("t", [Phase("spawn_init", "parent"), Phase("pid_file", "parent")], [])
    record = stepharness.apply(step_ctx, "spawn_init")
    first = record["pid"]
    stepharness.apply(step_ctx, "spawn_init", record)
    assert record["pid"] == first and proc.is_alive(first, record["start"])
    stepharness.undo(step_ctx, "spawn_init", record, times=2)
    assert not proc.is_alive(first, record["start"])
    step_ctx.channel.close()


def test_spawn_init_undo_without_apply(step_ctx):
    stepharness.undo(step_ctx, "spawn_init", {})
    # a pid that was reused by another process is not killed
    record = {"pid": os.getpid(), "start": 1}
    stepharness.undo(step_ctx, "spawn_init", record)
