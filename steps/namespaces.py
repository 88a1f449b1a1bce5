"""Join the namespaces the config gives a path for, unshare the new ones.

The PID namespace was set up by `spawn_init` (it applies to children only).
Everything here dies with the init, so undo has nothing to do.
"""

import os

from fsmrun.runtime import linux
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def _ns_id(ns_type):
    return os.stat(f"/proc/self/ns/{linux.NAMESPACE_PROC_NAMES[ns_type]}").st_ino


def record(ctx):
    # the namespaces the init started in: a type whose namespace differs
    # from these has been unshared or joined already (apply is idempotent)
    return {"before": {t: _ns_id(t) for t in ctx.namespaces()
                       if t in linux.NAMESPACE_PROC_NAMES and t not in ("pid", "user")}}


def apply(ctx, record):
    flags = 0
    before = record.get("before") or {}
    for ns_type, path in ctx.namespaces().items():
        if ns_type == "pid":
            continue
        if ns_type in before and _ns_id(ns_type) != before[ns_type]:
            continue
        if ns_type == "user":
            raise FsmrunError("user namespaces are not supported yet")
        flag = linux.NAMESPACE_FLAGS.get(ns_type)
        if flag is None:
            raise FsmrunError(f"namespace type {ns_type!r} is not supported")
        if not path:
            flags |= flag
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                linux.setns(fd, flag)
            finally:
                os.close(fd)
        except OSError as exc:
            raise syscall_error(f"setns {ns_type}", path, exc) from None
    if flags:
        try:
            linux.unshare(flags)
        except OSError as exc:
            raise syscall_error("unshare", _names(flags), exc) from None


def _names(flags):
    return "|".join(name for name, flag in linux.NAMESPACE_FLAGS.items() if flags & flag)


def undo(ctx, record):
    pass
