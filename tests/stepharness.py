"""Run steps on their own, for the idempotency tests of each step.

Parent steps run in the test process with a real Context and state store.
Init steps run in a forked child that first unshares a mount namespace (so
nothing it mounts reaches the host) and reports what it observes as JSON.
"""

import json
import os

from fsmrun import steps
from fsmrun.runtime import linux
from fsmrun.runtime.context import Context
from fsmrun.runtime.phases import step_record
from fsmrun.statemachine import pipeline as pipelines
from fsmrun.statemachine.journal import Journal
from fsmrun.statemachine.store import StateStore


def parent_ctx(root, cid, bundle, **options):
    """A Context as `create` has it once the spec is loaded."""
    store = StateStore(root)
    store.make_dir(cid)
    ctx = Context(store, cid, "create")
    ctx.options = {"bundle": bundle.path, **options}
    ctx.pipeline = pipelines.load()
    ctx.journal = Journal(store, cid, {"id": cid, "status": "creating", "journal": []})
    apply(ctx, "load_spec")
    return ctx


def phase_of(ctx, name):
    try:
        return ctx.pipeline.phase(name)
    except KeyError:
        return pipelines.Phase(name, steps.get(name).SIDE)


def plan(ctx, name):
    ctx.phase = phase_of(ctx, name)
    return step_record(steps.resolve(ctx.phase), ctx)


def apply(ctx, name, record=None, times=1):
    ctx.phase = phase_of(ctx, name)
    step = steps.resolve(ctx.phase)
    record = step_record(step, ctx) if record is None else record
    for _ in range(times):
        step.apply(ctx, record)
    return record


def undo(ctx, name, record, times=1):
    ctx.phase = phase_of(ctx, name)
    for _ in range(times):
        steps.resolve(ctx.phase).undo(ctx, record)


def observe_in_init():
    """What an init-side step changes, as the init sees it."""
    with open("/proc/self/mountinfo") as f:
        mounts = sorted(" ".join(line.split()[4:5] + line.split(" - ")[1].split()[:1])
                        for line in f)
    with open("/proc/self/limits") as f:
        limits = f.read()
    return {
        "mounts": mounts, "hostname": os.uname().nodename, "limits": limits,
        "cwd": os.getcwd(), "ids": [os.getuid(), os.getgid(), sorted(os.getgroups())],
        "root": list(os.stat("/")[1:3]),
        "dev": sorted(os.listdir("/dev")) if os.path.isdir("/dev") else [],
        "ns": {n: os.stat(f"/proc/self/ns/{n}").st_ino for n in ("mnt", "uts", "ipc", "net")},
        "lo_up": _loopback_up(),
    }


def _loopback_up():
    import fcntl
    import socket
    import struct
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock.fileno(), 0x8913,
                                                     struct.pack("16sH22x", b"lo", 0)))[1]
    return bool(flags & 1)


def run_init_steps(ctx, names, twice=None):
    """Apply init steps in order in a forked child (`twice`: that one twice)
    and return what the child observed afterwards, or raise its error."""
    for name in names:  # after pivot_root the host's modules are out of reach
        steps.resolve(phase_of(ctx, name))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        result = {}
        try:
            os.close(read_end)
            linux.unshare(linux.CLONE_NEWNS)
            linux.mount(None, "/", None, linux.MS_SLAVE | linux.MS_REC)
            ctx.side = "init"
            for name in names:
                apply(ctx, name, times=2 if name == twice else 1)
            result = {"observed": observe_in_init()}
        except BaseException as exc:  # report everything to the test
            result = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            os.write(write_end, json.dumps(result).encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    if "error" in result:
        raise AssertionError(result["error"])
    return result["observed"]


INIT_ORDER = ["namespaces", "network", "rootfs", "mounts", "devices", "pivot_root",
              "hostname", "sysctl", "readonly_paths", "masked_paths", "rlimits", "process",
              "capabilities"]


def init_steps_up_to(name):
    return INIT_ORDER[:INIT_ORDER.index(name) + 1]


def assert_init_step_idempotent(ctx, name, ignore=("ns",)):
    """The init's view after the steps up to `name` is the same whether
    `name` was applied once or twice."""
    names = init_steps_up_to(name)
    once = run_init_steps(ctx, names)
    twice = run_init_steps(ctx, names, twice=name)
    same = {k: v for k, v in once.items() if k not in ignore}
    assert {k: v for k, v in twice.items() if k not in ignore} == same
    return once


def logging_hook(workdir, extra=""):
    """A hook script that appends its stdin (the state) and a newline to a
    log, then runs `extra`; returns (script, log)."""
    log = os.path.join(workdir, "hook.log")
    script = os.path.join(workdir, "hook.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\ncat >> {log}; echo >> {log}\n{extra}\n")
    os.chmod(script, 0o755)
    return script, log


def assert_host_hooks_run_once(ctx, workdir, step, kind):
    """A runtime-side hook step: its hooks run once with the container's
    state on stdin, however often applied; undo is harmless."""
    script, log = logging_hook(workdir)
    ctx.spec["hooks"] = {kind: [{"path": script}]}
    record = apply(ctx, step, times=2)
    with open(log) as f:
        states = [json.loads(line) for line in f if line.strip()]
    assert len(states) == 1 and states[0]["id"] == ctx.id
    undo(ctx, step, record, times=2)
    return states[0]
