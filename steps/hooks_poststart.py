"""Run the config's poststart hooks: in the runtime's namespaces, once the process is released. A failing one is a warning: the container is already running (OCI).
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "parent"


def WRITE_AHEAD(ctx):  # noqa: N802 - the step attribute, as a function
    return bool(hooks.hooks_of(ctx.spec, "poststart"))


def apply(ctx, record):
    if record.get("ran"):
        return  # hooks run once: a second apply of the same record does nothing
    record["ran"] = True
    hooks.run_all(hooks.hooks_of(ctx.spec, "poststart"), "poststart",
                  hooks.state_json(ctx, "running"), keep_going=True)


def undo(ctx, record):
    pass
