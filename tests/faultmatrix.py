"""The fault-injection matrix, shared by the tests of each pipeline.

For one case (phase, when, mode, side): configure hooks of every kind that
log to files, provoke the fault through FSMRUN_FAULT, check how `create` (or
`start`) failed, then `fsmrun destroy` and check the poststop hooks ran
exactly once if the container got far enough to owe them, and never
otherwise.  The `fsmrun` fixture's leak checker then asserts that no cgroup,
mount, process, interface or state is left.
"""

import os
import signal
import subprocess
import time

from conftest import COMMAND

HANG_MARK = "fsmrun: fault: hang"


def hook_config(bundle, workdir):
    """Hooks of every kind; each appends its kind to a log.  Host-side hooks
    are host scripts; startContainer runs inside the container (after
    pivot_root), so its script and log live in the rootfs."""
    host_log = os.path.join(workdir, "hooks.log")
    script = os.path.join(workdir, "hook.sh")
    with open(script, "w") as f:
        f.write(f'#!/bin/sh\necho "$1" >> {host_log}\n')
    os.chmod(script, 0o755)
    inner = os.path.join(bundle.rootfs, "hook.sh")
    with open(inner, "w") as f:
        f.write('#!/bin/sh\necho "$1" >> /hooks.log\n')
    os.chmod(inner, 0o755)
    hooks = {kind: [{"path": script, "args": ["hook.sh", kind]}]
             for kind in ("prestart", "createRuntime", "createContainer", "poststart", "poststop")}
    hooks["startContainer"] = [{"path": "/hook.sh", "args": ["hook.sh", "startContainer"]}]
    return hooks, host_log


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def spawn(fsmrun, args, env, err_path):
    err = open(err_path, "w")
    proc = subprocess.Popen(COMMAND + ["--root", fsmrun.root] + args,
                            stdout=subprocess.DEVNULL, stderr=err,
                            env={**os.environ, **env})
    err.close()
    return proc


def finish(proc, err_path, mode, timeout=60):
    """Wait for the command; a hanging one is killed once it said it hangs."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if mode == "hang" and HANG_MARK in open(err_path).read():
            proc.send_signal(signal.SIGKILL)
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the command did not finish: {open(err_path).read()}")
        time.sleep(0.005)
    with open(err_path) as f:
        return proc.returncode, f.read()


def run_case(case, pipeline, fsmrun, bundle, cid, workdir, extra_args=()):
    phase, when, mode, side = case
    hooks, host_log = hook_config(bundle, workdir)
    bundle.configure(["true"], hooks=hooks, linux__cgroupsPath=f"/{cid}")
    env = {"FSMRUN_FAULT": f"{phase}:{when}:{mode}:{side}"}
    err_path = os.path.join(workdir, "stderr")
    create_names = [p.name for p in pipeline.create]
    in_create = phase in create_names

    code, err = finish(spawn(fsmrun, [*extra_args, "create", "--bundle", bundle.path, cid],
                             env, err_path), err_path, mode if in_create else None)
    if in_create:
        assert code != 0, f"create succeeded despite the fault: {err}"
        if mode == "raise":
            assert f"phase {phase}" in err and "fault injected" in err, err
            assert "Traceback" not in err
        elif mode == "kill-self" and side == "parent" or mode == "hang" \
                or mode == "kill-peer" and side == "init":
            assert code == -9, (code, err)
        else:
            # the init is dead: create notices it (or a step needing it fails)
            assert code == 1 and " phase " in err, (code, err)
        # interrupted, not an error: state and list show it as creating
        # (unless create took itself back)
        state = fsmrun("state", cid)
        if state.returncode == 0:
            assert '"creating"' in state.stdout or '"stopped"' in state.stdout, state
    else:
        assert code == 0, err
        code, err = finish(spawn(fsmrun, ["start", cid], env, err_path), err_path, mode)
        if side == "parent":
            assert code != 0, err
        # an init-side fault after start is the container's: start succeeded

    res = fsmrun("destroy", cid)
    assert res.returncode == 0, res
    again = fsmrun("destroy", cid)
    assert again.returncode == 0 and "nothing was left" in again.stdout, again

    owed = not in_create or create_names.index(phase) >= create_names.index("hooks_poststop")
    if "audit" in create_names:
        # the exec step ran at most once, and its undo once if it ran (an undo
        # also runs for a record written just before a fault stopped the apply)
        audit = read_lines(os.path.join(workdir, "audit.log"))
        applied, undone = audit.count("apply"), audit.count("undo")
        assert applied <= 1 and undone <= 1 and undone >= applied, (case, audit)
    ran = read_lines(host_log).count("poststop")
    assert ran == (1 if owed else 0), (case, read_lines(host_log))
