"""network: loopback up in the container's network namespace; again is the same."""

import stepharness


def test_network_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "network")
    assert seen["lo_up"]



def test_network_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "network", {}, times=2)
