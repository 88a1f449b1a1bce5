"""rlimits: the config's rlimits on the init."""

import stepharness


def test_rlimits_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "rlimits")
    assert 'Max open files            1024                 1024' in seen['limits']


def test_rlimits_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "rlimits", {}, times=2)
