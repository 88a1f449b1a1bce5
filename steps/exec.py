"""Exec the container's process: the init becomes it.

Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored
across exec: both are reset so the process starts with the defaults it
expects.  `start` released the init (the exec fifo) before this phase.
"""

import os

from fsmrun.runtime.errors import syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
RETURNS = False  # the init becomes the process


def apply(ctx, record):
    import _signal
    for sig in (_signal.SIGPIPE, _signal.SIGXFSZ):
        _signal.signal(sig, _signal.SIG_DFL)
    process = ctx.process
    try:
        os.execve(ctx.executable, process["args"], _environ(process.get("env")))
    except OSError as exc:
        raise syscall_error("exec", ctx.executable, exc) from None


def _environ(env):
    out = {}
    for item in env or ():
        key, _, value = item.partition("=")
        out[key] = value
    return out


def undo(ctx, record):
    pass
