"""Fork the container's init, as PID 1 of its PID namespace.

The parent sets its own `pid_for_children` to the new (or joined) PID
namespace, forks once and sets it back: the init is then a direct child of
`create`, which can wait for it, with no intermediate process (DESIGN.md
describes fork/unshare/fork; one fork is enough without a user namespace).

The record is written before the fork and the pid added right after it.
If `create` dies in between, the init reads end-of-file on the channel (or
gets its parent-death signal) and exits, so no process escapes the journal.
"""

import os

from fsmrun.runtime import faults, linux, proc
from fsmrun.runtime.channel import Channel
from fsmrun.runtime.errors import syscall_error

SIDE = "parent"
# before the fork there is nothing to take back; the pid is written out right
# after it, and an init whose parent dies before that dies with it
WRITE_AHEAD = False


def preload(ctx):
    """Import every module the init will need before it forks: after
    pivot_root the host's Python files are out of its reach."""
    from fsmrun import steps
    from fsmrun.runtime import init  # noqa: F401  (the init runs it after pivot_root)
    for phase in ctx.pipeline.create + ctx.pipeline.start:
        steps.resolve(phase)


def apply(ctx, record):
    if record.get("pid") and proc.is_alive(record["pid"], record.get("start")):
        return  # spawned already
    preload(ctx)
    ctx.parent_killer_fd = faults.arm_peer_killer(ctx)
    parent_end, init_end = Channel.pair()
    pid = _fork_init(ctx)
    if pid == 0:
        parent_end.close()
        from fsmrun.runtime.init import init_main
        init_main(ctx, init_end)  # never returns
    init_end.close()
    if ctx.parent_killer_fd >= 0:
        os.close(ctx.parent_killer_fd)
        ctx.parent_killer_fd = -1
    ctx.channel = parent_end
    ctx.init_pid = pid
    ctx.init_start = proc.start_time(pid)
    ctx.journal.set(pid=pid, pid_start=ctx.init_start)
    ctx.journal.note(record, pid=pid, start=ctx.init_start)


def _fork_init(ctx):
    """Fork the init: clone3 into a new PID namespace and straight into the
    cgroup's v2 directory when the kernel can; else the parent enters the
    PID namespace for its children, forks, and the init joins the cgroup
    itself (cgroup_join)."""
    namespaces = ctx.namespaces()
    path = namespaces.get("pid")
    new_pid_ns = "pid" in namespaces and not path
    own_ns = _enter_pid_ns(path) if path else None
    try:
        cgroup_fd = _v2_directory(ctx)
        try:
            ctx.born_in_cgroup = cgroup_fd >= 0
            return linux.fork_into(linux.CLONE_NEWPID if new_pid_ns else 0, cgroup_fd)
        except OSError:
            ctx.born_in_cgroup = False
        finally:
            if cgroup_fd >= 0:
                os.close(cgroup_fd)
        if new_pid_ns:
            own_ns = _enter_pid_ns(None)
        return os.fork()
    finally:
        if own_ns is not None:
            linux.setns(own_ns, linux.CLONE_NEWPID)
            os.close(own_ns)


def _enter_pid_ns(path):
    """Make the PID namespace at `path` (None: a new one) the one our children
    are born in; returns a handle on ours to come back to."""
    own_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if path:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                linux.setns(fd, linux.CLONE_NEWPID)
            finally:
                os.close(fd)
        else:
            linux.unshare(linux.CLONE_NEWPID)
    except OSError as exc:
        os.close(own_ns)
        raise syscall_error("setns" if path else "unshare(CLONE_NEWPID)", path, exc) from None
    return own_ns


def _v2_directory(ctx):
    path = ctx.cgroup.paths.get("unified") if ctx.cgroup is not None else None
    if not path:
        return -1
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return -1


def check(ctx):
    return proc.is_alive(ctx.init_pid, ctx.init_start)


def undo(ctx, record):
    pid = record.get("pid")
    if pid:
        proc.kill_and_wait(pid, record.get("start"))


def describe_undo(record):
    if not record.get("pid"):
        return "nothing: the init died with create (parent-death signal, end of its channel)"
    return f"SIGKILL pid {record['pid']} (if its start time is still {record.get('start')}) and wait for it"
