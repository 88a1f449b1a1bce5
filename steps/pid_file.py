"""Write the init's host pid to `--pid-file`, atomically (the engine reads
it as soon as `create` returns)."""

import os

from fsmrun.runtime.errors import syscall_error

SIDE = "parent"


def record(ctx):
    path = ctx.options.get("pid_file")
    return {"path": os.path.abspath(path)} if path else {}


def apply(ctx, record):
    path = record.get("path")
    if not path:
        return
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path))
    try:
        with open(tmp, "w") as f:
            f.write(str(ctx.init_pid))
        os.rename(tmp, path)
    except OSError as exc:
        raise syscall_error("write", path, exc) from None


def undo(ctx, record):
    # only a create that failed takes the file back; after that it belongs to
    # the engine, which may still read it once the container is gone
    if ctx.command != "create" or not record.get("path"):
        return
    try:
        os.unlink(record["path"])
    except FileNotFoundError:
        pass


def describe_undo(record):
    if not record.get("path"):
        return "nothing to undo"
    return f"remove {record['path']} if create fails (afterwards it is the engine's)"
