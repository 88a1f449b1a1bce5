"""Run the config's prestart hooks (deprecated by OCI, still sent by engines): in the runtime's namespaces, once the init's mounts are done, before pivot_root.
Undo: nothing, a hook's effects are the hook's to take back."""

from fsmrun.runtime import hooks

SIDE = "parent"


def WRITE_AHEAD(ctx):  # noqa: N802 - the step attribute, as a function
    return bool(hooks.hooks_of(ctx.spec, "prestart"))


def apply(ctx, record):
    if record.get("ran"):
        return  # hooks run once: a second apply of the same record does nothing
    record["ran"] = True
    hooks.run_all(hooks.hooks_of(ctx.spec, "prestart"), "prestart",
                  hooks.state_json(ctx, "creating"))


def undo(ctx, record):
    pass
