"""Run the config's createRuntime hooks: in the runtime's namespaces, right after the prestart hooks.
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "parent"


def WRITE_AHEAD(ctx):  # noqa: N802 - the step attribute, as a function
    return bool(hooks.hooks_of(ctx.spec, "createRuntime"))


def apply(ctx, record):
    if record.get("ran"):
        return  # hooks run once: a second apply of the same record does nothing
    record["ran"] = True
    hooks.run_all(hooks.hooks_of(ctx.spec, "createRuntime"), "createRuntime",
                  hooks.state_json(ctx, "creating"))


def undo(ctx, record):
    pass
