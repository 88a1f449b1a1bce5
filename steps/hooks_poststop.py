"""Arm the config's poststop hooks: from this phase on, taking the container
back runs them (after every other undo, since this phase comes right after
the spec is read).  They run once: the record is marked before they run, so
a second `destroy` does not run them again.  A failing one is a warning and
does not stop the others (OCI)."""

from fsmrun.runtime import hooks

SIDE = "parent"


# once armed, the hooks are owed: that must be on disk before anything else
# happens (with no hooks there is nothing to owe)
WRITE_AHEAD = hooks.write_ahead("poststop")


def record(ctx):
    # the spec may be gone when they run: keep the hooks themselves
    return {"hooks": hooks.hooks_of(ctx.spec, "poststop")}


def apply(ctx, record):
    pass


def undo(ctx, record):
    if not record.get("hooks") or record.get("ran"):
        return
    ctx.journal.note(record, ran=True)
    hooks.run_all(record["hooks"], "poststop", hooks.state_json(ctx, "stopped", pid=0),
                  keep_going=True)


def describe_undo(record):
    if record.get("ran"):
        return "nothing: the poststop hooks ran already"
    return f"run {len(record.get('hooks') or ())} poststop hook(s)"
