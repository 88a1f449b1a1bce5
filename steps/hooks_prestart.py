"""Run the config's prestart hooks (deprecated by OCI, still sent by engines): in the runtime's
namespaces, once the init's mounts are done, before pivot_root.
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "parent"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
WRITE_AHEAD = hooks.write_ahead("prestart")


def apply(ctx, record):
    hooks.run_phase(ctx, record, "prestart", "creating")


def undo(ctx, record):
    pass
