"""What a process sees inside the container."""

import os


def run_in(fsmrun, bundle, cid, script, **config):
    bundle.configure(["sh", "-c", script], **config)
    res = fsmrun("run", "--bundle", bundle.path, cid)
    assert res.returncode == 0, res
    return res.stdout


def test_the_process_is_pid_1(fsmrun, bundle, cid):
    assert run_in(fsmrun, bundle, cid, "echo $$") == "1\n"


def test_hostname_is_set(fsmrun, bundle, cid):
    assert run_in(fsmrun, bundle, cid, "hostname", hostname="box-one") == "box-one\n"
    assert os.uname().nodename != "box-one"


def test_proc_is_the_containers(fsmrun, bundle, cid):
    out = run_in(fsmrun, bundle, cid, "ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '")
    pids = out.split()
    # sh (1) and the ls and grep of the pipeline: never the host's processes
    assert pids[0] == "1" and len(pids) <= 6, pids


def test_root_is_the_bundle_rootfs(fsmrun, bundle, cid):
    with open(os.path.join(bundle.rootfs, "only-in-rootfs"), "w") as f:
        f.write("x")
    out = run_in(fsmrun, bundle, cid,
                 "ls /only-in-rootfs; test -e /work && echo HOST; "
                 "test -e /proc/1/root/work && echo HOST2; ls /")
    assert "/only-in-rootfs" in out
    assert "HOST" not in out
    assert "etc" in out.split() and "bin" in out.split()


def test_dev_has_the_default_devices(fsmrun, bundle, cid):
    out = run_in(fsmrun, bundle, cid,
                 "echo x > /dev/null && head -c 4 /dev/zero | wc -c && ls /dev")
    lines = out.split()
    assert lines[0] == "4"
    for dev in ("null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue"):
        assert dev in lines, dev


def test_env_cwd_and_user_are_applied(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", "echo $GREETING; pwd; id -u; id -g"],
                     process__env=["PATH=/bin", "GREETING=hi"],
                     process__cwd="/tmp/work",
                     process__user={"uid": 65534, "gid": 65534})
    res = fsmrun("run", "--bundle", bundle.path, cid)
    assert res.returncode == 0, res
    assert res.stdout.split() == ["hi", "/tmp/work", "65534", "65534"]


def test_loopback_is_up_in_a_new_network_namespace(fsmrun, bundle, cid):
    out = run_in(fsmrun, bundle, cid, "ip -o link show lo")
    assert "<LOOPBACK,UP," in out, out


def test_cgroup_holds_the_processes_and_goes_with_delete(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", "sleep 60 & sleep 60"],
                     linux__cgroupsPath=f"/{cid}",
                     linux__resources={"memory": {"limit": 64 * 1024 * 1024},
                                       "pids": {"limit": 32}})
    fsmrun.ok("run", "-d", "--bundle", bundle.path, cid)
    pid = fsmrun.state(cid)["pid"]
    memory = f"/sys/fs/cgroup/memory/{cid}"
    pids_dir = f"/sys/fs/cgroup/pids/{cid}"
    with open(os.path.join(memory, "cgroup.procs")) as f:
        procs = [int(p) for p in f.read().split()]
    assert pid in procs
    import time
    for _ in range(100):
        with open(os.path.join(memory, "cgroup.procs")) as f:
            procs = [int(p) for p in f.read().split()]
        if len(procs) >= 2:
            break
        time.sleep(0.02)
    assert len(procs) == 2, procs
    with open(os.path.join(memory, "memory.limit_in_bytes")) as f:
        assert int(f.read()) == 64 * 1024 * 1024
    with open(os.path.join(pids_dir, "pids.max")) as f:
        assert f.read().strip() == "32"
    fsmrun.ok("delete", "--force", cid)
    assert not os.path.exists(memory) and not os.path.exists(pids_dir)


def test_container_sees_its_own_cgroup_mount(fsmrun, bundle, cid):
    out = run_in(fsmrun, bundle, cid, "cat /sys/fs/cgroup/pids/cgroup.procs",
                 linux__cgroupsPath=f"/{cid}")
    # only the container's processes: the shell (or the cat it execs) and cat
    assert out.split()[0] == "1" and len(out.split()) <= 2, out
