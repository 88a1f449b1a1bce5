"""Running one phase of the pipeline, on either side.

Both sides walk the same list of phases.  A side applies its own phases and,
for a phase of the other side, waits until the peer reports it finished: the
pipeline is the sync protocol.

Parent side: a parent phase is journalled `applying` before its step runs
and `done` after.  An init phase is journalled from the init's reports
(`enter`, then `done`).  Init phases change only the init's own namespaces,
which die with it, so their records need no acknowledgement before they take
effect; the process record written by `spawn_init` is what takes them back.
"""

from fsmrun import steps
from fsmrun.runtime import faults
from fsmrun.runtime.errors import FsmrunError


def wrap_error(exc, phase):
    """Any exception from a step, as an FsmrunError naming the phase."""
    if isinstance(exc, FsmrunError):
        return exc.in_phase(phase.name, phase.side)
    if isinstance(exc, OSError):
        err = FsmrunError(f"{exc.strerror or exc}"
                          + (f": {exc.filename}" if exc.filename else ""),
                          errno=exc.errno)
    else:
        err = FsmrunError(f"{type(exc).__name__}: {exc}")
    return err.in_phase(phase.name, phase.side)


def step_record(step, ctx):
    plan = getattr(step, "record", None)
    return plan(ctx) if plan else {}


def has_undo(step):
    return not getattr(step, "NOTHING_TO_UNDO", False)


def needs_write_ahead(step, ctx):
    """Whether a parent step's record must be on disk before it runs: unless
    the step says it changes nothing on the host (WRITE_AHEAD = False, or a
    function of the context), it must."""
    flag = getattr(step, "WRITE_AHEAD", True)
    return flag(ctx) if callable(flag) else flag


def apply_journalled(ctx, phase):
    """Apply a parent-side phase: record, fault points, step, done mark."""
    step = steps.resolve(phase)
    ctx.phase = phase
    try:
        entry = ctx.journal.begin(phase.name, "parent", step_record(step, ctx),
                                  needs_write_ahead(step, ctx), has_undo(step))
        faults.point(ctx, phase, "before")
        step.apply(ctx, entry["record"])
        faults.point(ctx, phase, "after")
    except Exception as exc:
        # a step that needs the init fails when the init has died: the init's
        # own report, if it sent one, says why
        raise (_init_report(ctx) or wrap_error(exc, phase)) from exc
    ctx.journal.done(entry)


def init_error(msg, phase=None):
    """The FsmrunError an `error` message from the init stands for."""
    return FsmrunError(msg["msg"], errno=msg.get("errno"),
                       phase=msg.get("phase") or phase, side="init")


def _init_report(ctx):
    """An error the init has reported and nobody read yet, or None."""
    channel = ctx.channel
    try:
        while channel is not None and channel.pending():
            msg = channel.recv()
            if msg is None:
                return None
            if msg["t"] == "error":
                return init_error(msg)
    except (OSError, ValueError):
        pass
    return None


def run_in_parent(ctx, phase):
    if phase.side == "parent":
        apply_journalled(ctx, phase)
        if ctx.channel is not None and phase.name != "spawn_init":
            try:
                ctx.channel.send("done", phase=phase.name)
            except EOFError:
                pass  # the init is gone; the next receive reports why
    else:
        try:
            faults.point(ctx, phase, "before")
            wait_for_init(ctx, phase)
            faults.point(ctx, phase, "after")
        except FsmrunError as exc:
            raise exc.in_phase(phase.name, phase.side) from None
    # the machine state a later command restores (start phases never set it)
    ctx.journal.set(phase=phase.name)


def wait_for_init(ctx, phase):
    """Journal the init's reports until it finishes `phase`."""
    journal = ctx.journal
    while True:
        if journal.dirty and ctx.channel is not None and not ctx.channel.pending(0.005):
            # the init is busy for a while: let `inspect` see its progress
            # (no fsync: these records describe nothing outside the init)
            journal.flush(durable=False)
        msg = ctx.channel.recv() if ctx.channel else None
        if msg is None:
            raise FsmrunError("the container's init exited without reporting an error"
                              + _init_exit_detail(ctx)).in_phase(phase.name, phase.side)
        kind = msg["t"]
        if kind == "enter":
            # init phases change only the init's namespaces, which die with
            # it: their records need not be on disk before they take effect
            journal.begin(msg["phase"], "init", msg.get("record") or {}, write_ahead=False,
                          undo=msg.get("undo", True))
        elif kind == "done":
            entry = journal.find(msg["phase"])
            if entry is not None:
                journal.done(entry)
            if msg["phase"] == phase.name:
                return
        elif kind == "error":
            raise init_error(msg, phase.name)


def _init_exit_detail(ctx):
    import os
    from fsmrun.runtime import proc
    try:
        pid, status = os.waitpid(ctx.init_pid, os.WNOHANG)
    except (ChildProcessError, TypeError):
        return ""
    if pid == 0:
        return ""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == 9 and ctx.cgroup is not None and ctx.cgroup.oom_kill_count():
            return ": container init was OOM-killed (memory limit too low?)"
        return f": killed by signal {sig}"
    return f": exit status {proc.exit_code(status)}"


def run_in_init(ctx, phase):
    ctx.phase = phase
    faults.point(ctx, phase, "before")
    if phase.side == "init":
        step = steps.resolve(phase)
        record = step_record(step, ctx)
        ctx.channel.send("enter", phase=phase.name, record=record, undo=has_undo(step))
        step.apply(ctx, record)
        faults.point(ctx, phase, "after")
        ctx.channel.send("done", phase=phase.name)
        return
    msg = ctx.channel.recv()
    if msg is None or msg["t"] != "done" or msg["phase"] != phase.name:
        # the parent is gone or out of step: nothing to do but leave
        raise SystemExit(1)
    faults.point(ctx, phase, "after")


def run_start_phases(ctx, side):
    """The `start` list: after the fifo opens there is no lock-step, each side
    runs its own phases in order.  The init's are not journalled (nobody
    listens any more) and change only the container."""
    for phase in ctx.pipeline.start:
        if phase.side != side:
            continue
        if side == "parent":
            apply_journalled(ctx, phase)
            continue
        ctx.phase = phase
        faults.point(ctx, phase, "before")
        steps.resolve(phase).apply(ctx, {})
        faults.point(ctx, phase, "after")
