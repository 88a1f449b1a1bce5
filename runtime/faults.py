"""Fault injection, off unless the environment asks for it.

    FSMRUN_FAULT=<phase>:<when>:<mode>[:<side>]

phase  a phase of the container's pipeline (`fsmrun pipeline show`)
when   `before` (the phase's record is written, its step has not run) or
       `after` (the step took effect, its end is not reported yet)
mode   `raise`      fail with an error naming the phase
       `kill-self`  the process dies at once (SIGKILL; the init, which as
                    PID 1 of its namespace cannot be killed from inside it,
                    leaves with _exit)
       `kill-peer`  SIGKILL the other side (the init when the parent is
                    interrupted, the parent when the init is)
       `hang`       print `fsmrun: fault: hang ...` on stderr and sleep until
                    killed
side   `parent` or `init`: which process is interrupted (default: the side
       that runs the phase; the other side is then waiting for it)

Tests enumerate every case from the pipeline itself (see `cases`), so a new
step is covered the day it is added.
"""

import os

MODES = ("raise", "kill-self", "kill-peer", "hang")
WHENS = ("before", "after")
_SPEC = os.environ.get("FSMRUN_FAULT")


def _parse():
    parts = _SPEC.split(":")
    if len(parts) not in (3, 4) or parts[1] not in WHENS or parts[2] not in MODES:
        from fsmrun.runtime.errors import UsageError
        raise UsageError(f"FSMRUN_FAULT={_SPEC!r}: expected <phase>:<before|after>:"
                         f"<{'|'.join(MODES)}>[:<parent|init>]")
    return parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None


def point(ctx, phase, when):
    """Called on each side before and after every phase it runs or waits for."""
    if not _SPEC:
        return
    name, at, mode, side = _parse()
    if name != phase.name or at != when or (side or phase.side) != ctx.side:
        return
    if mode == "raise":
        from fsmrun.runtime.errors import FsmrunError
        raise FsmrunError(f"fault injected {when} {phase.name} on the {ctx.side} side")
    if mode == "kill-self":
        if ctx.side == "init":
            os._exit(137)
        os.kill(os.getpid(), 9)
    elif mode == "kill-peer":
        _kill_peer(ctx)
    elif mode == "hang":
        os.write(2, f"fsmrun: fault: hang {when} {phase.name} on the {ctx.side} side\n".encode())
        import time
        while True:
            time.sleep(3600)


def _kill_peer(ctx):
    if ctx.side == "parent":
        if ctx.init_pid:
            os.kill(ctx.init_pid, 9)
        return
    # the parent is outside the init's PID namespace, where the init cannot
    # send a signal (not even through a pidfd): a killer process left behind
    # in the parent's namespace does it on the init's word
    os.write(ctx.parent_killer_fd, b"k")
    import time
    while True:
        time.sleep(3600)


def arm_peer_killer(ctx):
    """Before the init is forked: if the init may have to kill the parent,
    fork a process that SIGKILLs the parent when the init writes to a pipe
    (and exits when the pipe closes).  Returns the write end, or -1."""
    if not _SPEC or _parse()[2] != "kill-peer":
        return -1
    read_end, write_end = os.pipe()
    parent = os.getpid()
    if os.fork() == 0:
        os.close(write_end)
        if os.read(read_end, 1):
            os.kill(parent, 9)
        os._exit(0)
    os.close(read_end)
    return write_end


def cases(pipeline):
    """Every (phase, when, mode, side) that can happen with this pipeline."""
    names = [p.name for p in pipeline.create]
    spawned = names.index("spawn_init") if "spawn_init" in names else len(names)
    out = []
    for index, phase in enumerate(pipeline.create):
        for side in ("parent", "init"):
            if side == "init" and index <= spawned:
                continue  # no init yet: its machine starts after spawn_init
            for mode in MODES:
                for when in WHENS:
                    if mode == "kill-peer" and side == "parent":
                        if index < spawned or (index == spawned and when == "before"):
                            continue  # no init to kill yet
                    out.append((phase.name, when, mode, side))
    from fsmrun import steps
    for phase in pipeline.start:
        for mode in ("raise", "kill-self", "hang"):
            for when in WHENS:
                if when == "after" and not getattr(steps.resolve(phase), "RETURNS", True):
                    continue  # exec does not come back
                out.append((phase.name, when, mode, phase.side))
    return out


def env_value(case):
    phase, when, mode, side = case
    return f"{phase}:{when}:{mode}:{side}"
