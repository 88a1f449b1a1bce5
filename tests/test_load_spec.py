"""load_spec: applied twice it reads the same spec; it has nothing to undo."""

import stepharness


def test_load_spec_is_idempotent(step_ctx):
    first = dict(step_ctx.spec)
    stepharness.apply(step_ctx, "load_spec", times=2)
    assert step_ctx.spec == first and step_ctx.rootfs.endswith("rootfs")
    stepharness.undo(step_ctx, "load_spec", {}, times=2)
