"""devices: the default device nodes and /dev symlinks."""

import stepharness


def test_devices_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "devices")
    for dev in ('null', 'zero', 'full', 'random', 'urandom', 'tty', 'fd', 'ptmx'):
        assert dev in seen['dev']


def test_devices_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "devices", {}, times=2)
