"""Shared fixtures: a private state root, a busybox bundle, the `fsmrun`
command, and a leak checker that fails a test which leaves a cgroup, a
mount, a process or a state directory behind (and removes them, so one
failing test does not break the next)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from fsmrun.runtime.bundle import make_bundle

CGROUP_ROOT = "/sys/fs/cgroup"
def _fsmrun_command():
    """The `fsmrun` installed for this Python (not a version manager's shim
    on PATH, which costs 50 ms a call), else the one on PATH."""
    import sysconfig
    script = os.path.join(sysconfig.get_path("scripts"), "fsmrun")
    return script if os.access(script, os.X_OK) else shutil.which("fsmrun")


FSMRUN = _fsmrun_command()
COMMAND = [FSMRUN] if FSMRUN else [sys.executable, "-m", "fsmrun.runtime.main"]


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return f"Result(rc={self.returncode}, stdout={self.stdout!r}, stderr={self.stderr!r})"


class Fsmrun:
    """Runs the real `fsmrun` command with a private --root.

    Output goes through files, not pipes: a container's init inherits the
    runtime's stdio, and a pipe would keep the caller waiting until the
    container exits, as it would a shell user's `$(fsmrun create ...)`.
    """

    def __init__(self, root, workdir):
        self.root = root
        self.workdir = workdir

    def __call__(self, *args, timeout=60, input=None, root=True, env=None):
        argv = COMMAND + (["--root", self.root] if root else []) + [str(a) for a in args]
        out_path = os.path.join(self.workdir, f"out-{uuid.uuid4().hex}")
        err_path = out_path + ".err"
        with open(out_path, "w+") as out, open(err_path, "w+") as err:
            proc = subprocess.run(argv, stdout=out, stderr=err, timeout=timeout,
                                  input=input, text=True,
                                  env=None if env is None else {**os.environ, **env})
        return Result(proc.returncode, _read(out_path), _read(err_path))

    def ok(self, *args, **kwargs):
        res = self(*args, **kwargs)
        assert res.returncode == 0, res
        return res

    def state(self, cid):
        import json
        res = self.ok("state", cid)
        return json.loads(res.stdout)

    def wait_status(self, cid, status, timeout=10):
        """Poll `state` until the status is reached (or the time is up)."""
        import json
        deadline = time.monotonic() + timeout
        while True:
            res = self("state", cid)
            st = json.loads(res.stdout) if res.returncode == 0 else {"status": None}
            if st["status"] == status or time.monotonic() > deadline:
                return st
            time.sleep(0.02)


def _read(path):
    with open(path) as f:
        return f.read()


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="fsmrun-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fsmrun(workdir):
    root = os.path.join(workdir, "root")
    runner = Fsmrun(root, workdir)
    before = snapshot()
    yield runner
    leaks = leaked(before, root)
    cleanup(runner)
    remove_interfaces(leaks.get("interfaces", ()))
    assert not leaks, f"the test left these behind: {leaks}"


@pytest.fixture
def bundle(workdir):
    """A fresh busybox bundle; tests edit its config through `configure`."""
    path = os.path.join(workdir, "bundle")
    make_bundle(path, ["sh", "-c", "echo hello"])
    return Bundle(path)


class Bundle:
    def __init__(self, path):
        self.path = path
        self.rootfs = os.path.join(path, "rootfs")

    @property
    def config_path(self):
        return os.path.join(self.path, "config.json")

    def config(self):
        import json
        with open(self.config_path) as f:
            return json.load(f)

    def configure(self, args=None, **changes):
        """Set process.args and other top-level or dotted keys of config.json."""
        import json
        cfg = self.config()
        if args is not None:
            cfg["process"]["args"] = list(args)
        for dotted, value in changes.items():
            node = cfg
            keys = dotted.split("__")
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = value
        with open(self.config_path, "w") as f:
            json.dump(cfg, f, indent=2)
        return self


# --- the leak checker --------------------------------------------------------

# one prefix per test session: the leak checker counts only this session's
# cgroups, so another test run on the machine cannot make it fail
PREFIX = f"fsmt{uuid.uuid4().hex[:4]}-"


def new_id():
    """A container id; cgroups named after it are the leak checker's to find."""
    return PREFIX + uuid.uuid4().hex[:10]


@pytest.fixture
def cid():
    return new_id()


def cgroup_dirs():
    found = set()
    for hierarchy in os.listdir(CGROUP_ROOT):
        top = os.path.join(CGROUP_ROOT, hierarchy)
        for dirpath, dirnames, _ in os.walk(top):
            for d in dirnames:
                path = os.path.join(dirpath, d)
                if PREFIX in path:
                    found.add(path)
    return found


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return {line.split()[4] for line in f}


def container_processes():
    """Processes whose root is not the host's: what a container runs."""
    pids = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/root") != "/":
                pids.add(int(name))
        except OSError:
            pass
    return pids


def interfaces():
    """The host's network interfaces (a veth end a test left shows here)."""
    return set(os.listdir("/sys/class/net"))


def snapshot():
    return {"cgroups": cgroup_dirs(), "mounts": mount_points(),
            "processes": container_processes(), "interfaces": interfaces()}


def leaked(before, root):
    # a process killed a moment ago may still be exiting
    for _ in range(50):
        now = snapshot()
        leaks = {key: sorted(now[key] - before[key]) for key in now}
        if not any(leaks.values()):
            break
        time.sleep(0.05)
    leaks = {k: v for k, v in leaks.items() if v}
    states = [n for n in (os.listdir(root) if os.path.isdir(root) else ()) if not n.startswith(".")]
    if states:
        leaks["state"] = states
    return leaks


def cleanup(runner):
    root = runner.root
    if os.path.isdir(root):
        for name in os.listdir(root):
            if not name.startswith("."):
                runner("delete", "--force", name)
    for pid in container_processes():
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def remove_interfaces(names):
    """Delete the veth ends a test left (deleting one end deletes its peer)."""
    for name in names:
        if name.startswith("fsmv"):
            subprocess.run(["ip", "link", "del", name], stderr=subprocess.DEVNULL)


def pytest_sessionfinish(session, exitstatus):
    """After the whole suite: nothing a test made may be left on the machine."""
    leftovers = {"cgroups": sorted(cgroup_dirs()), "processes": sorted(container_processes())}
    leftovers = {k: v for k, v in leftovers.items() if v}
    if leftovers:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"LEAK: the test suite left these behind: {leftovers}", red=True)
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    import sys
    matrix = sys.modules.get("test_fault_matrix")
    if matrix is not None:
        for name, size in matrix.MATRIX_SIZES.items():
            terminalreporter.write_line(f"fault-injection matrix ({name} pipeline): {size} cases")


@pytest.fixture
def step_ctx(fsmrun, bundle, cid):
    """A Context with the spec loaded and the cgroup made, for running steps
    one by one; the cgroup and state go at the end."""
    import stepharness
    bundle.configure(linux__cgroupsPath=f"/{cid}")
    ctx = stepharness.parent_ctx(fsmrun.root, cid, bundle)
    record = stepharness.apply(ctx, "cgroup")
    yield ctx
    stepharness.undo(ctx, "cgroup", record)
    ctx.store.remove(cid)
