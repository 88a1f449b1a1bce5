"""Run the config's startContainer hooks: in the container, after `start` released the init
and before the exec (their paths are the container's).
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def apply(ctx, record):
    hooks.run_phase(ctx, record, "startContainer", "created", pid=1)


def undo(ctx, record):
    pass
