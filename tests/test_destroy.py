"""`fsmrun destroy`: from any state, twice, racing other commands, after a
runtime killed at a random moment, after a reboot: nothing left behind (the
`fsmrun` fixture's leak checker fails the test otherwise)."""

import json
import os
import random
import subprocess
import threading
import time

import pytest

from conftest import COMMAND, new_id


def spawn_create(fsmrun, bundle, cid, env=None):
    return subprocess.Popen(COMMAND + ["--root", fsmrun.root, "create", "-b", bundle.path, cid],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})


@pytest.mark.parametrize("state", ["created", "running", "stopped", "paused"])
def test_destroy_from_each_state(fsmrun, bundle, cid, state):
    bundle.configure(["sleep", "60"] if state != "stopped" else ["true"],
                     linux__cgroupsPath=f"/{cid}")
    fsmrun.ok("create", "-b", bundle.path, cid)
    if state in ("running", "stopped", "paused"):
        fsmrun.ok("start", cid)
    if state == "stopped":
        fsmrun.wait_status(cid, "stopped")
    if state == "paused":
        # freeze it as `pause` would: destroy must thaw before it can kill
        with open(f"/sys/fs/cgroup/freezer/{cid}/freezer.state", "w") as f:
            f.write("FROZEN")
    res = fsmrun.ok("destroy", cid)
    assert res.stdout == ""
    res = fsmrun.ok("destroy", cid)
    assert "nothing was left" in res.stdout


def test_destroy_of_an_id_that_never_existed(fsmrun, cid):
    res = fsmrun.ok("destroy", cid)
    assert "nothing was left" in res.stdout


def test_destroy_kills_every_process_of_the_cgroup(fsmrun, bundle, cid):
    # children that left the init's process tree are found through the cgroup
    bundle.configure(["sh", "-c", "setsid sleep 60 & setsid sleep 60 & sleep 60"],
                     linux__cgroupsPath=f"/{cid}")
    fsmrun.ok("run", "-d", "-b", bundle.path, cid)
    procs = f"/sys/fs/cgroup/pids/{cid}/cgroup.procs"
    for _ in range(200):
        with open(procs) as f:
            if len(f.read().split()) == 3:
                break
        time.sleep(0.01)
    fsmrun.ok("destroy", cid)
    assert not os.path.exists(procs)


def test_an_interrupted_create_shows_as_creating(fsmrun, bundle, cid):
    proc = subprocess.Popen(COMMAND + ["--root", fsmrun.root, "create", "-b", bundle.path, cid],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "FSMRUN_FAULT": "mounts:after:hang:init"})
    line = proc.stderr.readline()
    assert "fault: hang after mounts" in line
    # the init's reports reach the journal asynchronously: let the parent
    # write what the init told it before killing it
    for _ in range(500):
        rows = json.loads(fsmrun.ok("inspect", "--format", "json", cid).stdout)["journal"]
        if any(row["phase"] == "mounts" for row in rows):
            break
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    proc.stderr.close()
    assert fsmrun.state(cid)["status"] == "creating"
    listed = json.loads(fsmrun.ok("list", "--format", "json").stdout)
    assert [c["status"] for c in listed] == ["creating"]
    inspected = fsmrun.ok("inspect", cid).stdout
    assert "creating" in inspected and "mounts" in inspected
    journal = json.loads(fsmrun.ok("inspect", "--format", "json", cid).stdout)["journal"]
    assert [row["phase"] for row in journal][:3] == ["load_spec", "hooks_poststop", "cgroup"]
    assert {row["phase"]: row["status"] for row in journal}["mounts"] in ("applying", "done")
    fsmrun.ok("destroy", cid)


def test_inspect_tells_what_each_undo_will_do(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("create", "-b", bundle.path, cid)
    text = fsmrun.ok("inspect", cid).stdout
    assert text.splitlines()[0].startswith(f"container {cid}: created")
    assert "SIGKILL pid" in text and "remove it" in text and "exec.fifo" in text
    fsmrun.ok("delete", "--force", cid)


def test_after_a_reboot(fsmrun, bundle, cid):
    """Processes and cgroups are gone, the state is kept, and the init's pid
    now belongs to an unrelated process: destroy must not touch that one."""
    bundle.configure(["sleep", "60"], linux__cgroupsPath=f"/{cid}")
    fsmrun.ok("run", "-d", "-b", bundle.path, cid)
    pid = fsmrun.state(cid)["pid"]
    os.kill(pid, 9)
    fsmrun.wait_status(cid, "stopped")
    from fsmrun.runtime.cgroupfs import Cgroup
    Cgroup.for_container(f"/{cid}", cid).remove()
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        path = os.path.join(fsmrun.root, cid, "state.json")
        with open(path) as f:
            doc = json.load(f)
        doc["pid"] = bystander.pid
        for entry in doc["journal"]:
            if entry["step"] == "spawn_init":
                entry["record"]["pid"] = bystander.pid
        with open(path, "w") as f:
            json.dump(doc, f)
        fsmrun.ok("destroy", cid)
        assert bystander.poll() is None, "destroy killed a process that reused the pid"
    finally:
        bystander.kill()
        bystander.wait()


def test_a_state_dir_left_before_the_first_write(fsmrun, cid):
    os.makedirs(os.path.join(fsmrun.root, cid))
    fsmrun.ok("destroy", cid)
    assert not os.path.exists(os.path.join(fsmrun.root, cid))


def test_kill_9_of_create_at_a_random_moment(fsmrun, bundle):
    """200 times: SIGKILL `fsmrun create` somewhere in its run, then destroy."""
    bundle.configure(["true"])
    rng = random.Random(4)
    # how long a create takes here, to spread the kills over all of it
    start = time.monotonic()
    fsmrun.ok("create", "-b", bundle.path, "probe")
    span = time.monotonic() - start
    fsmrun.ok("destroy", "probe")
    for _ in range(200):
        cid = new_id()
        proc = spawn_create(fsmrun, bundle, cid)
        time.sleep(rng.uniform(0, span))
        proc.kill()
        proc.wait()
        res = fsmrun("destroy", cid)
        assert res.returncode == 0, res


def test_destroy_racing_start_kill_and_destroy(fsmrun, bundle):
    bundle.configure(["sleep", "60"])
    for _ in range(10):
        cid = new_id()
        fsmrun.ok("create", "-b", bundle.path, cid)
        results = {}

        def call(name, *args):
            results[name] = fsmrun(*args, cid)

        threads = [threading.Thread(target=call, args=(n, *a)) for n, a in (
            ("destroy1", ("destroy",)), ("start", ("start",)), ("kill", ("kill",)),
            ("destroy2", ("destroy",)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results["destroy1"].returncode == 0, results
        assert results["destroy2"].returncode == 0, results
        for name in ("start", "kill"):
            res = results[name]
            assert res.returncode == 0 or ("does not exist" in res.stderr
                                           or "not running" in res.stderr
                                           or "stopped" in res.stderr), (name, res)
            assert "Traceback" not in res.stderr


def test_twenty_containers_destroyed_in_parallel(fsmrun, bundle):
    bundle.configure(["sleep", "60"])
    ids = [new_id() for _ in range(20)]
    for i, cid in enumerate(ids):
        fsmrun.ok("create", "-b", bundle.path, cid)
        if i % 2:
            fsmrun.ok("start", cid)
    procs = [subprocess.Popen(COMMAND + ["--root", fsmrun.root, "destroy", cid],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for cid in ids]
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        proc.stderr.close()
    assert fsmrun.ok("list", "-q").stdout == ""
