"""namespaces: new mount, uts, ipc and network namespaces once, however often applied."""

import stepharness


def test_namespaces_applied_twice_is_as_once(step_ctx):
    seen = stepharness.assert_init_step_idempotent(step_ctx, "namespaces")
    import os
    for ns in ("uts", "ipc", "net"):
        assert seen["ns"][ns] != os.stat(f"/proc/self/ns/{ns}").st_ino, ns



def test_namespaces_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "namespaces", {}, times=2)
