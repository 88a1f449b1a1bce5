"""Run the config's startContainer hooks: in the container, after `start` released the init and before the exec (their paths are the container's).
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "init"


def apply(ctx, record):
    if record.get("ran"):
        return  # hooks run once: a second apply of the same record does nothing
    record["ran"] = True
    hooks.run_all(hooks.hooks_of(ctx.spec, "startContainer"), "startContainer",
                  hooks.state_json(ctx, "created", pid=1))


def undo(ctx, record):
    pass
