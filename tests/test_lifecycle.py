"""A real container through every lifecycle state, with the real command."""

import json
import os
import time

from conftest import new_id


def test_run_prints_output_and_returns_exit_code(fsmrun, bundle, cid):
    bundle.configure(["echo", "hello world"])
    res = fsmrun("run", "--bundle", bundle.path, cid)
    assert res.returncode == 0, res
    assert res.stdout == "hello world\n"
    # like runc, `run` removes the container once its process exits
    assert fsmrun("state", cid).returncode != 0


def test_run_returns_the_process_exit_code(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", "exit 3"])
    assert fsmrun("run", "-b", bundle.path, cid).returncode == 3


def test_run_killed_by_signal_returns_128_plus_signal(fsmrun, bundle, cid):
    # PID 1 of a namespace cannot be killed from inside it: kill it from outside
    import subprocess
    from conftest import COMMAND
    bundle.configure(["sleep", "60"])
    running = subprocess.Popen(COMMAND + ["--root", fsmrun.root, "run", "-b", bundle.path, cid],
                               stdout=subprocess.DEVNULL)
    try:
        assert fsmrun.wait_status(cid, "running")["status"] == "running"
        fsmrun.ok("kill", cid, "KILL")
        assert running.wait(timeout=30) == 137
    finally:
        running.kill()
        running.wait()
    assert fsmrun("state", cid).returncode == 1


def test_create_start_exit_delete(fsmrun, bundle, cid, workdir):
    marker = os.path.join(bundle.rootfs, "tmp", "started")
    bundle.configure(["sh", "-c", "touch /tmp/started; read line < /tmp/go.fifo"])
    os.mkfifo(os.path.join(bundle.rootfs, "tmp", "go.fifo"))
    fsmrun.ok("create", "--bundle", bundle.path, cid)
    st = fsmrun.state(cid)
    assert st["status"] == "created"
    assert st["pid"] > 0 and os.path.exists(f"/proc/{st['pid']}")
    assert st["id"] == cid and st["bundle"] == bundle.path
    assert st["rootfs"] == os.path.realpath(bundle.rootfs)
    time.sleep(0.2)
    assert not os.path.exists(marker), "the process ran before start"

    fsmrun.ok("start", cid)
    assert fsmrun.state(cid)["status"] == "running"
    for _ in range(200):
        if os.path.exists(marker):
            break
        time.sleep(0.01)
    assert os.path.exists(marker)

    with open(os.path.join(bundle.rootfs, "tmp", "go.fifo"), "w") as f:
        f.write("go\n")
    st = fsmrun.wait_status(cid, "stopped")
    assert st["status"] == "stopped" and st["pid"] == 0

    fsmrun.ok("delete", cid)
    res = fsmrun("state", cid)
    assert res.returncode == 1 and "does not exist" in res.stderr


def test_state_json_has_runc_fields(fsmrun, bundle, cid):
    bundle.configure(["sleep", "30"], annotations={"org.example/k": "v"})
    fsmrun.ok("create", "--bundle", bundle.path, cid)
    st = fsmrun.state(cid)
    assert set(st) == {"ociVersion", "id", "pid", "status", "bundle", "rootfs",
                       "created", "owner", "annotations"}
    assert st["annotations"] == {"org.example/k": "v"}
    assert st["created"].endswith("Z") and "T" in st["created"]
    fsmrun.ok("delete", "--force", cid)


def test_kill_by_name_and_number(fsmrun, bundle):
    bundle.configure(["sleep", "60"])
    for sig in ("KILL", "SIGKILL", "9", "sigkill"):
        cid = new_id()
        fsmrun.ok("run", "--detach", "--bundle", bundle.path, cid)
        assert fsmrun.state(cid)["status"] == "running"
        fsmrun.ok("kill", cid, sig)
        assert fsmrun.wait_status(cid, "stopped")["status"] == "stopped", sig
        fsmrun.ok("delete", cid)


def test_kill_default_is_sigterm_and_reaches_a_handler(fsmrun, bundle, cid):
    out = os.path.join(bundle.rootfs, "tmp", "got")
    bundle.configure(["sh", "-c", "trap 'echo TERM > /tmp/got; exit 0' TERM; "
                      "while true; do sleep 0.05; done"])
    fsmrun.ok("run", "-d", "--bundle", bundle.path, cid)
    time.sleep(0.3)
    fsmrun.ok("kill", cid)
    fsmrun.wait_status(cid, "stopped")
    with open(out) as f:
        assert f.read() == "TERM\n"
    fsmrun.ok("delete", cid)


def test_kill_a_created_container(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("create", "--bundle", bundle.path, cid)
    fsmrun.ok("kill", cid, "KILL")
    assert fsmrun.wait_status(cid, "stopped")["status"] == "stopped"
    res = fsmrun("kill", cid, "KILL")
    assert res.returncode == 1 and "not running" in res.stderr
    fsmrun.ok("delete", cid)


def test_pid_file_holds_the_init_pid(fsmrun, bundle, cid, workdir):
    bundle.configure(["sleep", "60"])
    pid_file = os.path.join(workdir, "init.pid")
    fsmrun.ok("create", "--bundle", bundle.path, "--pid-file", pid_file, cid)
    with open(pid_file) as f:
        pid = int(f.read())
    assert pid == fsmrun.state(cid)["pid"]
    fsmrun.ok("delete", "--force", cid)


def test_list_shows_containers_in_table_and_json(fsmrun, bundle):
    bundle.configure(["sleep", "60"])
    ids = [new_id(), new_id()]
    for cid in ids:
        fsmrun.ok("create", "--bundle", bundle.path, cid)
    fsmrun.ok("start", ids[1])
    table = fsmrun.ok("list").stdout.splitlines()
    assert table[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows[ids[0]][2] == "created" and rows[ids[1]][2] == "running"
    listed = json.loads(fsmrun.ok("list", "--format", "json").stdout)
    assert {c["id"]: c["status"] for c in listed} == {ids[0]: "created", ids[1]: "running"}
    assert sorted(fsmrun.ok("list", "-q").stdout.split()) == sorted(ids)
    for cid in ids:
        fsmrun.ok("delete", "--force", cid)
    assert fsmrun.ok("list", "--format", "json").stdout.strip() == "[]"


def test_two_containers_at_once_are_separate(fsmrun, bundle):
    bundle.configure(["sleep", "60"])
    a, b = new_id(), new_id()
    fsmrun.ok("run", "-d", "--bundle", bundle.path, a)
    fsmrun.ok("run", "-d", "--bundle", bundle.path, b)
    sa, sb = fsmrun.state(a), fsmrun.state(b)
    assert sa["pid"] != sb["pid"]
    assert os.readlink(f"/proc/{sa['pid']}/ns/pid") != os.readlink(f"/proc/{sb['pid']}/ns/pid")
    fsmrun.ok("kill", a, "KILL")
    fsmrun.wait_status(a, "stopped")
    assert fsmrun.state(b)["status"] == "running"
    fsmrun.ok("delete", a)
    fsmrun.ok("delete", "--force", b)


def test_delete_force_of_running_container(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("run", "-d", "--bundle", bundle.path, cid)
    pid = fsmrun.state(cid)["pid"]
    fsmrun.ok("delete", "--force", cid)
    assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)
    assert fsmrun("state", cid).returncode == 1


def test_delete_force_of_missing_container_succeeds(fsmrun, cid):
    assert fsmrun("delete", "--force", cid).returncode == 0
    res = fsmrun("delete", cid)
    assert res.returncode == 1 and "does not exist" in res.stderr


def test_version(fsmrun):
    res = fsmrun.ok("--version", root=False)
    assert res.stdout.startswith("fsmrun version ")


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_kill_all_signals_every_process_of_the_cgroup(fsmrun, bundle, cid):
    # what podman sends to stop a container sharing the host's PID namespace.
    # PID 1 (sh, no handler) ignores TERM; the others die of it: signalling the
    # init alone would leave the detached sleep running
    bundle.configure(["sh", "-c", "setsid sleep 600 & while true; do sleep 0.1; done"],
                     linux__cgroupsPath=f"/{cid}")
    fsmrun.ok("run", "-d", "-b", bundle.path, cid)
    init = fsmrun.state(cid)["pid"]
    detached = None
    for _ in range(300):
        detached = next((pid for pid in _cgroup_pids(cid) if _cmdline(pid) == b"sleep\x00600\x00"), None)
        if detached:
            break
        time.sleep(0.01)
    assert detached, "the detached sleep never started"
    fsmrun.ok("kill", "--all", cid, "TERM")
    for _ in range(300):
        if detached not in _cgroup_pids(cid):
            break
        time.sleep(0.01)
    assert detached not in _cgroup_pids(cid)
    assert fsmrun.state(cid)["status"] == "running" and init in _cgroup_pids(cid)
    fsmrun.ok("delete", "--force", cid)


def _cgroup_pids(cid):
    with open(f"/sys/fs/cgroup/pids/{cid}/cgroup.procs") as f:
        return [int(p) for p in f.read().split()]


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""
