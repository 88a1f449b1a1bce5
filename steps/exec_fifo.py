"""The exec fifo: the init blocks opening it for writing until `start`
opens it for reading.  While it exists the container is `created`."""

import os

from fsmrun.runtime.errors import syscall_error

SIDE = "parent"
WRITE_AHEAD = False  # the fifo is in the state directory, which destroy removes whole


def record(ctx):
    return {"path": ctx.fifo_path}


def apply(ctx, record):
    path = record["path"]
    try:
        os.mkfifo(path, 0o622)
        # mkfifo honours the umask; the process may run as any user
        os.chmod(path, 0o622)
    except FileExistsError:
        pass
    except OSError as exc:
        raise syscall_error("mkfifo", path, exc) from None


def check(ctx):
    return os.path.exists(ctx.fifo_path)


def undo(ctx, record):
    try:
        os.unlink(record["path"])
    except FileNotFoundError:
        pass


def describe_undo(record):
    return f"remove {record.get('path')}"
