"""Run the config's createContainer hooks: in the container's namespaces, before pivot_root
(their paths are the host's).
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def apply(ctx, record):
    hooks.run_phase(ctx, record, "createContainer", "creating", pid=1)


def undo(ctx, record):
    pass
