"""Run the config's poststart hooks: in the runtime's namespaces, once the process is
released.  A failing one is a warning: the container is already running (OCI).
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "parent"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
WRITE_AHEAD = hooks.write_ahead("poststart")


def apply(ctx, record):
    hooks.run_phase(ctx, record, "poststart", "running", keep_going=True)


def undo(ctx, record):
    pass
