"""Apply `process.rlimits` to the init; exec keeps them for the process.
A limit above the hard limit we have needs CAP_SYS_RESOURCE and fails, as
it does under runc."""

import resource

from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def apply(ctx, record):
    for limit in ctx.process.get("rlimits") or ():
        name = limit.get("type", "")
        which = getattr(resource, name, None) if name.startswith("RLIMIT_") else None
        if which is None:
            raise FsmrunError(f"process.rlimits: unknown resource {name!r}")
        try:
            resource.setrlimit(which, (limit["soft"], limit["hard"]))
        except (OSError, ValueError) as exc:
            err = getattr(exc, "errno", None) or 1
            raise syscall_error("setrlimit", f"{name} soft={limit['soft']} hard={limit['hard']}",
                                err) from None


def undo(ctx, record):
    pass
