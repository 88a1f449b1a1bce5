"""Run the config's createRuntime hooks: in the runtime's namespaces, right after the prestart
hooks.
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "parent"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
WRITE_AHEAD = hooks.write_ahead("createRuntime")


def apply(ctx, record):
    hooks.run_phase(ctx, record, "createRuntime", "creating")


def undo(ctx, record):
    pass
