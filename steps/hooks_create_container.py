"""Run the config's createContainer hooks: in the container's namespaces, before pivot_root (their paths are the host's).
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "init"


def apply(ctx, record):
    if record.get("ran"):
        return  # hooks run once: a second apply of the same record does nothing
    record["ran"] = True
    hooks.run_all(hooks.hooks_of(ctx.spec, "createContainer"), "createContainer",
                  hooks.state_json(ctx, "creating", pid=1))


def undo(ctx, record):
    pass
