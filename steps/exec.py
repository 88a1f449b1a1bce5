"""Wait on the exec fifo, then exec the container's process.

Opening the fifo for writing blocks until `fsmrun start` opens it for
reading; the byte written tells `start` the init is released.  Python
ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec:
both are reset so the process starts with the defaults it expects.
"""

import os

from fsmrun.runtime.errors import syscall_error

SIDE = "init"


def apply(ctx, record):
    try:
        fifo = os.open(f"/proc/self/fd/{ctx.fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise syscall_error("open", "exec fifo", exc) from None
    os.write(fifo, b"0")
    os.close(fifo)
    os.close(ctx.fifo_fd)
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
