"""cgroupfs on the real kernel: v1 hierarchies, the hybrid cgroup2 mount, and
the pure functions behind them (path resolution, limit-to-file mapping).

No mocks.  Every cgroup a test makes is named PREFIX..., every process it
starts is registered, and the `reg` fixture thaws, kills and removes them
whatever the test did; a module-level check fails if anything named PREFIX
is left under /sys/fs/cgroup.

Where this machine cannot exercise a v2 feature (its cgroup2 mount is the
hybrid one at /sys/fs/cgroup/unified and offers only the hugetlb controller,
so no memory.max or pids.max), the v2 file mapping is tested through the pure
`_plan_v2`, and the real v2 cgroup is used for what it does have:
cgroup.procs, cgroup.freeze, cgroup.events, cgroup.kill, hugetlb.*.max.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from fsmrun.runtime import cgroupfs
from fsmrun.runtime.cgroupfs import UNIFIED, Cgroup
from fsmrun.runtime.errors import FsmrunError

PREFIX = f"fsmrun-cgt-{os.getpid()}-"
CGROUP_ROOT = "/sys/fs/cgroup"
MOUNTS = cgroupfs.mount_table()
V1_MOUNTS = {c: m for m, _r, f, ctrls in MOUNTS if f == "cgroup" for c in ctrls}
CGROUP2 = next((m for m, _r, f, _c in MOUNTS if f == "cgroup2"), None)
HAS_V1 = "memory" in V1_MOUNTS and "freezer" in V1_MOUNTS and "devices" in V1_MOUNTS
MiB = 1 << 20

needs_v1 = pytest.mark.skipif(not HAS_V1, reason="this host has no cgroup v1 memory/freezer/devices hierarchies")
needs_cgroup2 = pytest.mark.skipif(
    CGROUP2 is None or not os.path.exists(f"{CGROUP2}/cgroup.subtree_control"),
    reason="this host has no cgroup2 mount")


# -- helpers and cleanup -------------------------------------------------------

def read(path):
    with open(path) as f:
        return f.read().strip()


def try_write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError:
        pass


def wait_for(predicate, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def proc_cgroups(pid):
    """{hierarchy key: path} from /proc/<pid>/cgroup ("" for cgroup2)."""
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f.read().splitlines():
            _, keys, path = line.split(":", 2)
            for key in (keys.split(",") if keys else [""]):
                out[key] = path
    return out


def thaw_and_kill_below(path):
    """Independent of cgroupfs: thaw everything under `path`, SIGKILL its tasks."""
    for dirpath, _dirs, files in os.walk(path):
        if "freezer.state" in files:
            try_write(f"{dirpath}/freezer.state", "THAWED")
        if "cgroup.freeze" in files:
            try_write(f"{dirpath}/cgroup.freeze", "0")
    for dirpath, _dirs, files in os.walk(path):
        if "cgroup.procs" in files:
            try:
                pids = [int(p) for p in read(f"{dirpath}/cgroup.procs").split()]
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def rmdir_below(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    for dirpath, _dirs, _files in os.walk(path, topdown=False):
        while True:
            try:
                os.rmdir(dirpath)
                break
            except FileNotFoundError:
                break
            except OSError as exc:
                if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)


class Registry:
    """What a test made, for the fixture to take down even after a failure."""

    def __init__(self):
        self.procs = []
        self.forked = []
        self.dirs = []
        self.finally_ = []     # run last, after every cgroup is gone

    def track(self, cgroup_or_dir):
        if isinstance(cgroup_or_dir, Cgroup):
            self.dirs.extend(cgroup_or_dir.paths.values())
        else:
            self.dirs.append(cgroup_or_dir)
        return cgroup_or_dir

    def spawn(self, args, **kwargs):
        proc = subprocess.Popen(args, **kwargs)
        self.procs.append(proc)
        return proc

    def teardown(self):
        dirs = [d for d in dict.fromkeys(self.dirs) if d.startswith(CGROUP_ROOT)]
        for d in dirs:
            thaw_and_kill_below(d)
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        for pid in self.forked:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        try:
            for d in sorted(dirs, key=len, reverse=True):
                rmdir_below(d)
        finally:
            for action in self.finally_:
                action()


@pytest.fixture
def reg():
    registry = Registry()
    try:
        yield registry
    finally:
        registry.teardown()


@pytest.fixture
def name():
    return PREFIX + uuid.uuid4().hex[:8]


def leftovers():
    found = []
    for dirpath, dirnames, _ in os.walk(CGROUP_ROOT):
        found.extend(os.path.join(dirpath, d) for d in dirnames if d.startswith(PREFIX))
    return found


@pytest.fixture(scope="module", autouse=True)
def nothing_left_behind():
    yield
    assert leftovers() == []


def restore_root_subtree_later(reg):
    """create() on the v2 mount enables controllers up to its root, as runc
    does; put the root's cgroup.subtree_control back as it was once the
    test's cgroups are gone (a controller in use below cannot be disabled)."""
    target = f"{CGROUP2}/cgroup.subtree_control"
    before = set(read(target).split())

    def restore():
        for controller in set(read(target).split()) - before:
            with open(target, "w") as f:
                f.write("-" + controller)
    reg.finally_.append(restore)


@pytest.fixture
def v1cg(name, reg):
    """A v1 (hybrid on this host) cgroup at runc's default path: the id,
    relative to the cgroups this process is in."""
    return reg.track(Cgroup.for_container(None, name))


@pytest.fixture
def v2cg(name, reg):
    """A v2 cgroup on the cgroup2 mount, one level below a parent we make."""
    top = f"{CGROUP2}/{name}"
    restore_root_subtree_later(reg)
    reg.track(top)
    return Cgroup({UNIFIED: f"{top}/ctr"}, 2)


@pytest.fixture(params=["v1", "v2"])
def anycg(request):
    if request.param == "v1":
        if not HAS_V1:
            pytest.skip("this host has no cgroup v1 hierarchies")
        return request.getfixturevalue("v1cg")
    if CGROUP2 is None:
        pytest.skip("this host has no cgroup2 mount")
    return request.getfixturevalue("v2cg")


def sleeper(reg):
    return reg.spawn(["sleep", "60"])


def wait_exit(proc, timeout=5):
    return proc.wait(timeout=timeout)


# -- mountinfo --------------------------------------------------------------------

MOUNTINFO = "\n".join([
    "22 27 0:21 / /proc rw,relatime - proc proc rw",
    "30 23 0:26 / /sys/fs/cgroup ro,nosuid shared:4 - tmpfs tmpfs ro,mode=755",
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev shared:5 - cgroup2 cgroup2 rw,nsdelegate",
    "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:6 - cgroup cgroup rw,xattr,name=systemd",
    "35 30 0:31 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw shared:9 master:3 - cgroup cgroup rw,cpu,cpuacct",
    "36 30 0:32 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children,release_agent=/bin/x",
    r"37 30 0:33 / /mnt/with\040space rw - cgroup cgroup rw,noprefix,pids",
    "50 27 8:1 / /home rw - ext4 /dev/sda1 rw",
    "51 27 0:41 / /tmp/cgroupish rw - cgroupfoo none rw",
])


def test_parse_mountinfo_keeps_cgroup_mounts_with_their_controllers():
    assert cgroupfs.parse_mountinfo(MOUNTINFO) == [
        ("/sys/fs/cgroup/unified", "/", "cgroup2", ()),
        ("/sys/fs/cgroup/systemd", "/", "cgroup", ("name=systemd",)),
        ("/sys/fs/cgroup/cpu,cpuacct", "/docker/abc", "cgroup", ("cpu", "cpuacct")),
        ("/sys/fs/cgroup/cpuset", "/", "cgroup", ("cpuset",)),
        ("/mnt/with space", "/", "cgroup", ("pids",)),
    ]


def test_mount_table_is_this_process_and_cached():
    table = cgroupfs.mount_table()
    assert table is cgroupfs.mount_table()
    with open("/proc/self/mountinfo") as f:
        cgroup_lines = [line for line in f if " - cgroup" in line]
    assert len(table) == len(cgroup_lines)
    assert {m for m, _r, _f, _c in table} == {line.split()[4] for line in cgroup_lines}


# -- cgroupsPath resolution (runc's cgroupfs driver) --------------------------------

def test_clean_path_like_runc():
    cases = {
        "": "", "/": "/", ".": ".", "a/b/../c": "a/c", "../../x": "x",
        "/../x": "/x", "//a//b/": "/a/b", "a/./b": "a/b", "/a/../../": "/",
        "x/..": ".", "k8s.io/abc": "k8s.io/abc",
    }
    for given, expected in cases.items():
        assert cgroupfs.clean_path(given) == expected, given


HYBRID_MOUNTS = [
    ("/sys/fs/cgroup/cpu,cpuacct", "/", "cgroup", ("cpu", "cpuacct")),
    ("/sys/fs/cgroup/memory", "/", "cgroup", ("memory",)),
    ("/sys/fs/cgroup/devices", "/", "cgroup", ("devices",)),
    ("/sys/fs/cgroup/freezer", "/", "cgroup", ("freezer",)),
    ("/sys/fs/cgroup/net_cls,net_prio", "/", "cgroup", ("net_cls", "net_prio")),
    ("/sys/fs/cgroup/systemd", "/", "cgroup", ("name=systemd",)),
    ("/sys/fs/cgroup/unified", "/", "cgroup2", ()),
    ("/sys/fs/cgroup/debugfs", "/", "cgroup", ("debug",)),       # not runc's: not joined
    ("/sys/fs/cgroup/other", "/", "cgroup", ("name=other",)),    # not runc's: not joined
]
HYBRID_OWN = {
    "cpu": "/user.slice", "cpuacct": "/user.slice",
    "memory": "/user.slice/user-0.slice/session-1.scope", "devices": "/user.slice",
    "freezer": "/", "net_cls": "/", "net_prio": "/",
    "name=systemd": "/user.slice/user-0.slice/session-1.scope",
    "": "/user.slice/user-0.slice/session-1.scope",
}


def test_resolve_absolute_path_is_under_every_hierarchy_root():
    paths, version = cgroupfs._resolve("/k8s.io/abc", "ignored", HYBRID_MOUNTS, HYBRID_OWN)
    assert version == 1
    assert paths == {
        "devices": "/sys/fs/cgroup/devices/k8s.io/abc",
        "memory": "/sys/fs/cgroup/memory/k8s.io/abc",
        "cpu": "/sys/fs/cgroup/cpu,cpuacct/k8s.io/abc",
        "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/k8s.io/abc",
        "net_cls": "/sys/fs/cgroup/net_cls,net_prio/k8s.io/abc",
        "net_prio": "/sys/fs/cgroup/net_cls,net_prio/k8s.io/abc",
        "freezer": "/sys/fs/cgroup/freezer/k8s.io/abc",
        "name=systemd": "/sys/fs/cgroup/systemd/k8s.io/abc",
        UNIFIED: "/sys/fs/cgroup/unified/k8s.io/abc",
    }


def test_resolve_relative_path_is_under_own_cgroup_in_each_v1_hierarchy():
    paths, version = cgroupfs._resolve("ctr/abc", "ignored", HYBRID_MOUNTS, HYBRID_OWN)
    assert version == 1
    assert paths["memory"] == "/sys/fs/cgroup/memory/user.slice/user-0.slice/session-1.scope/ctr/abc"
    assert paths["cpu"] == paths["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct/user.slice/ctr/abc"
    assert paths["freezer"] == "/sys/fs/cgroup/freezer/ctr/abc"
    assert paths["name=systemd"] == "/sys/fs/cgroup/systemd/user.slice/user-0.slice/session-1.scope/ctr/abc"
    # runc: the hybrid unified hierarchy takes a relative path under its root
    assert paths[UNIFIED] == "/sys/fs/cgroup/unified/ctr/abc"


def test_resolve_empty_path_is_the_container_id_relative():
    for empty in ("", None):
        by_id, _ = cgroupfs._resolve(empty, "abc", HYBRID_MOUNTS, HYBRID_OWN)
        relative, _ = cgroupfs._resolve("abc", "other", HYBRID_MOUNTS, HYBRID_OWN)
        assert by_id == relative


def test_resolve_cleans_dotdot_so_nothing_climbs_out():
    paths, _ = cgroupfs._resolve("../../etc/x", "id", HYBRID_MOUNTS, HYBRID_OWN)
    assert paths["freezer"] == "/sys/fs/cgroup/freezer/etc/x"
    paths, _ = cgroupfs._resolve("/../../x", "id", HYBRID_MOUNTS, HYBRID_OWN)
    assert paths["memory"] == "/sys/fs/cgroup/memory/x"


def test_resolve_refuses_hierarchy_roots_and_own_cgroup():
    for bad in ("/", "/a/..", ".", "x/.."):
        with pytest.raises(FsmrunError, match="refusing"):
            cgroupfs._resolve(bad, "id", HYBRID_MOUNTS, HYBRID_OWN)
    with pytest.raises(FsmrunError, match="container id"):
        cgroupfs._resolve("", "", HYBRID_MOUNTS, HYBRID_OWN)


def test_resolve_nested_container_mount_root():
    # A container that bind-mounts /docker/abc of the host's hierarchy: its
    # /proc/self/cgroup shows host paths, to be made relative to the mount.
    mounts = [("/sys/fs/cgroup/devices", "/docker/abc", "cgroup", ("devices",)),
              ("/sys/fs/cgroup/memory", "/docker/abc", "cgroup", ("memory",))]
    own = {"devices": "/docker/abc/sub", "memory": "/elsewhere"}
    paths, _ = cgroupfs._resolve("inner", "id", mounts, own)
    assert paths["devices"] == "/sys/fs/cgroup/devices/sub/inner"
    # outside what the mount shows: the mount's root, never "../.."
    assert paths["memory"] == "/sys/fs/cgroup/memory/inner"


def test_resolve_v1_without_cgroup2_has_no_unified_and_needs_devices():
    v1_only = [m for m in HYBRID_MOUNTS if m[2] == "cgroup"]
    paths, version = cgroupfs._resolve("/x", "id", v1_only, {})
    assert version == 1 and UNIFIED not in paths
    no_devices = [m for m in v1_only if m[3] != ("devices",)]
    with pytest.raises(FsmrunError, match="devices"):
        cgroupfs._resolve("/x", "id", no_devices, {})
    with pytest.raises(FsmrunError, match="no cgroup filesystem"):
        cgroupfs._resolve("/x", "id", [], {})


def test_resolve_v1_relative_skips_hierarchies_this_process_is_not_in():
    own = dict(HYBRID_OWN)
    del own["net_cls"]
    paths, _ = cgroupfs._resolve("x", "id", HYBRID_MOUNTS, own)
    assert "net_cls" not in paths and "net_prio" in paths


def test_resolve_pure_v2():
    mounts = [("/sys/fs/cgroup", "/", "cgroup2", ())]
    own = {"": "/user.slice/user-0.slice/session-1.scope"}
    assert cgroupfs._resolve("/machine/abc", "id", mounts, own) == (
        {UNIFIED: "/sys/fs/cgroup/machine/abc"}, 2)
    # relative: under the parent of the own cgroup (which has processes in it)
    assert cgroupfs._resolve("abc", "id", mounts, own) == (
        {UNIFIED: "/sys/fs/cgroup/user.slice/user-0.slice/abc"}, 2)
    assert cgroupfs._resolve(None, "abc", mounts, own) == (
        {UNIFIED: "/sys/fs/cgroup/user.slice/user-0.slice/abc"}, 2)
    assert cgroupfs._resolve("abc", "id", mounts, {"": "/"}) == (
        {UNIFIED: "/sys/fs/cgroup/abc"}, 2)
    # a named v1 hierarchy mounted for old systemd containers does not make it v1
    with_named = mounts + [("/sys/fs/cgroup/systemd", "/", "cgroup", ("name=systemd",))]
    assert cgroupfs._resolve("/a", "id", with_named, own)[1] == 2


def test_resolve_lone_cgroup2_elsewhere_is_v2():
    mounts = [("/run/cg2", "/", "cgroup2", ())]
    assert cgroupfs._resolve("/a", "id", mounts, {}) == ({UNIFIED: "/run/cg2/a"}, 2)


@needs_v1
def test_for_container_on_this_host(name):
    absolute = Cgroup.for_container("/" + name + "/ctr", "ignored")
    assert absolute.version == 1
    for key in cgroupfs.V1_HIERARCHIES:
        if key in V1_MOUNTS:
            assert absolute.paths[key] == f"{V1_MOUNTS[key]}/{name}/ctr"
    if CGROUP2:
        assert absolute.paths[UNIFIED] == f"{CGROUP2}/{name}/ctr"
        assert absolute.hybrid

    default = Cgroup.for_container("", name)
    own = proc_cgroups(os.getpid())
    memory_root = next(r for m, r, f, c in MOUNTS if "memory" in c)
    assert memory_root == "/"
    assert default.paths["memory"] == os.path.normpath(f"{V1_MOUNTS['memory']}/{own['memory']}/{name}")
    assert Cgroup.for_container(name, "ignored") == default
    assert not absolute.exists() and not default.exists()


def test_record_round_trip():
    v1 = Cgroup({"memory": "/sys/fs/cgroup/memory/a", "cpu": "/sys/fs/cgroup/cpu/a",
                 UNIFIED: "/sys/fs/cgroup/unified/a"}, 1)
    v2 = Cgroup({UNIFIED: "/sys/fs/cgroup/a/b"}, 2)
    for cg in (v1, v2):
        again = Cgroup.from_record(json.loads(json.dumps(cg.to_record())))
        assert again == cg
        assert again.paths == cg.paths and again.version == cg.version
    assert v1.hybrid and not v2.hybrid


def test_from_record_refuses_bad_records():
    bad = [
        None, {}, {"paths": {"memory": "/a"}},
        {"version": 3, "paths": {"memory": "/sys/fs/cgroup/memory/a"}},
        {"version": 1, "paths": {}},
        {"version": 1, "paths": {"memory": "relative/a"}},
        {"version": 1, "paths": {"memory": "/sys/fs/cgroup/memory/../../etc"}},
        {"version": 1, "paths": {"memory": "/"}},
        {"version": 2, "paths": {"memory": "/sys/fs/cgroup/a"}},
    ]
    for record in bad:
        with pytest.raises(FsmrunError):
            Cgroup.from_record(record)


# -- limits: what goes to which file (pure) ----------------------------------------------

def files(plan):
    return [(name, value) for _controller, name, value, _field in plan]


def test_plan_v1_memory_and_pids():
    plan = cgroupfs._plan_v1({"memory": {"limit": 64 * MiB, "reservation": 32 * MiB,
                                         "swap": 128 * MiB},
                              "pids": {"limit": 42}}, current_limit=1 << 62)
    assert files(plan) == [
        ("memory.limit_in_bytes", str(64 * MiB)),
        ("memory.memsw.limit_in_bytes", str(128 * MiB)),
        ("memory.soft_limit_in_bytes", str(32 * MiB)),
        ("pids.max", "42"),
    ]
    assert {c for c, *_ in plan} == {"memory", "pids"}


def test_plan_v1_writes_swap_first_when_raising_above_current_limit():
    res = {"memory": {"limit": 256 * MiB, "swap": 512 * MiB}}
    assert files(cgroupfs._plan_v1(res, current_limit=64 * MiB)) == [
        ("memory.memsw.limit_in_bytes", str(512 * MiB)),
        ("memory.limit_in_bytes", str(256 * MiB))]
    assert files(cgroupfs._plan_v1(res, current_limit=1024 * MiB)) == [
        ("memory.limit_in_bytes", str(256 * MiB)),
        ("memory.memsw.limit_in_bytes", str(512 * MiB))]


def test_plan_v1_unlimited_memory_means_unlimited_swap():
    res = {"memory": {"limit": -1}}
    assert files(cgroupfs._plan_v1(res, has_memsw=True)) == [
        ("memory.memsw.limit_in_bytes", "-1"), ("memory.limit_in_bytes", "-1")]
    assert files(cgroupfs._plan_v1(res, has_memsw=False)) == [("memory.limit_in_bytes", "-1")]


def test_plan_pids_limit_zero_or_negative_is_max():
    for limit, expected in ((7, "7"), (-1, "max"), (0, "max")):
        for plan in (cgroupfs._plan_v1, cgroupfs._plan_v2):
            assert files(plan({"pids": {"limit": limit}})) == [("pids.max", expected)]
    for absent in ({}, {"pids": {}}, {"pids": {"limit": None}}, {"pids": None}):
        assert cgroupfs._plan_v1(absent) == [] and cgroupfs._plan_v2(absent) == []


def test_plan_v1_other_memory_and_cpu_settings():
    plan = cgroupfs._plan_v1({
        "memory": {"swappiness": 10, "disableOOMKiller": True, "kernel": 5 * MiB},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4 * MiB}],
        "devices": [{"allow": False, "access": "rwm"}],   # the devices step's business
    })
    assert files(plan) == [
        ("cpuset.cpus", "0"), ("cpuset.mems", "0"),
        ("memory.oom_control", "1"), ("memory.swappiness", "10"),
        ("cpu.shares", "512"), ("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "50000"),
        ("hugetlb.2MB.limit_in_bytes", str(4 * MiB)),
    ]


def test_plan_v2_memory_swap_is_swap_minus_limit():
    # memory/pids cannot be enabled on this machine's cgroup2 mount (hybrid):
    # the v2 mapping is checked here, as a pure function.
    plan = cgroupfs._plan_v2({"memory": {"limit": 100 * MiB, "swap": 300 * MiB,
                                         "reservation": 50 * MiB}})
    assert files(plan) == [("memory.swap.max", str(200 * MiB)),
                           ("memory.max", str(100 * MiB)),
                           ("memory.low", str(50 * MiB))]
    same = cgroupfs._plan_v2({"memory": {"limit": 100, "swap": 100}})
    assert files(same) == [("memory.swap.max", "0"), ("memory.max", "100")]
    unlimited = cgroupfs._plan_v2({"memory": {"limit": -1}})
    assert files(unlimited) == [("memory.swap.max", "max"), ("memory.max", "max")]
    swap_max = cgroupfs._plan_v2({"memory": {"limit": 100, "swap": -1}})
    assert files(swap_max) == [("memory.swap.max", "max"), ("memory.max", "100")]
    only_limit = cgroupfs._plan_v2({"memory": {"limit": 100}})
    assert files(only_limit) == [("memory.max", "100")]
    with pytest.raises(FsmrunError, match="without memory.limit"):
        cgroupfs._plan_v2({"memory": {"swap": 100}})
    with pytest.raises(FsmrunError, match="must be >= memory.limit"):
        cgroupfs._plan_v2({"memory": {"limit": 200, "swap": 100}})
    with pytest.raises(FsmrunError, match="must be >= memory.limit"):
        cgroupfs._plan_v1({"memory": {"limit": 200, "swap": 100}})


def test_plan_v2_cpu_and_unified():
    plan = cgroupfs._plan_v2({
        "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-1"},
        "unified": {"memory.high": "1G", "io.weight": "100"},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 2 * MiB}],
    })
    assert files(plan) == [
        ("cpuset.cpus", "0-1"), ("cpu.weight", "39"), ("cpu.max", "50000 100000"),
        ("hugetlb.2MB.max", str(2 * MiB)), ("memory.high", "1G"), ("io.weight", "100"),
    ]
    assert files(cgroupfs._plan_v2({"cpu": {"quota": -1, "period": 100000}})) == [
        ("cpu.max", "max 100000")]
    for bad in ("../memory.max", "memory.max/x", "nodot", ""):
        with pytest.raises(FsmrunError, match="not a cgroup file name"):
            cgroupfs._plan_v2({"unified": {bad: "1"}})


def test_plan_refuses_what_it_cannot_apply():
    for plan in (cgroupfs._plan_v1, cgroupfs._plan_v2):
        with pytest.raises(FsmrunError, match="blockIO is not supported"):
            plan({"blockIO": {"weight": 100}})
        assert plan({"blockIO": {}, "network": {"priorities": []}}) == []
        with pytest.raises(FsmrunError, match="memory.limit: must be an integer"):
            plan({"memory": {"limit": "1G"}})
    with pytest.raises(FsmrunError, match="needs cgroup v2"):
        cgroupfs._plan_v1({"unified": {"memory.high": "1"}})
    with pytest.raises(FsmrunError, match="0-100"):
        cgroupfs._plan_v1({"memory": {"swappiness": 101}})


def test_set_resources_names_a_controller_that_is_not_mounted(name):
    cg = Cgroup({"memory": f"/sys/fs/cgroup/memory/{name}"}, 1)   # never created
    with pytest.raises(FsmrunError, match="the pids cgroup controller is not mounted") as caught:
        cg.set_resources({"memory": {"limit": 64 * MiB}, "pids": {"limit": 3}})
    assert "linux.resources.pids.limit" in str(caught.value)
    assert not cg.exists()   # checked before the first write
    cg.set_resources(None)
    cg.set_resources({})
    cg.set_resources({"memory": {}})


# -- v1 on the real kernel -------------------------------------------------------------

@needs_v1
def test_v1_create_is_idempotent_and_initialises_cpuset(v1cg):
    v1cg.create()
    v1cg.create()
    assert v1cg.exists()
    for path in v1cg.paths.values():
        assert os.path.isfile(f"{path}/cgroup.procs"), path
    if "cpuset" in v1cg.paths:
        root = V1_MOUNTS["cpuset"]
        assert read(f"{v1cg.paths['cpuset']}/cpuset.cpus") == read(f"{root}/cpuset.cpus")
        assert read(f"{v1cg.paths['cpuset']}/cpuset.mems") == read(f"{root}/cpuset.mems")


@needs_v1
def test_v1_cpuset_levels_are_initialised_on_the_way_down(name, reg):
    root = V1_MOUNTS["cpuset"]
    cg = reg.track(Cgroup({"cpuset": f"{root}/{name}/a/b", "devices": f"{V1_MOUNTS['devices']}/{name}/a/b"}, 1))
    reg.track(f"{root}/{name}")
    reg.track(f"{V1_MOUNTS['devices']}/{name}")
    cg.create()
    for level in (f"{root}/{name}", f"{root}/{name}/a", f"{root}/{name}/a/b"):
        assert read(f"{level}/cpuset.cpus") == read(f"{root}/cpuset.cpus"), level
        assert read(f"{level}/cpuset.mems") == read(f"{root}/cpuset.mems"), level
    proc = sleeper(reg)
    cg.join(proc.pid)   # a cpuset cgroup with empty cpus would refuse the task (ENOSPC)
    assert cg.pids() == [proc.pid]
    proc.kill()
    wait_exit(proc)
    cg.remove()
    os.rmdir(f"{root}/{name}/a")
    os.rmdir(f"{root}/{name}")
    os.rmdir(f"{V1_MOUNTS['devices']}/{name}/a")
    os.rmdir(f"{V1_MOUNTS['devices']}/{name}")


@needs_v1
def test_v1_join_child_and_list_pids_recursively(v1cg, reg):
    v1cg.create()
    proc = sleeper(reg)
    v1cg.join(proc.pid)
    assert v1cg.pids() == [proc.pid]
    seen = proc_cgroups(proc.pid)
    for key, path in v1cg.paths.items():
        mount = CGROUP2 if key == UNIFIED else V1_MOUNTS[key]
        inside = seen["" if key == UNIFIED else key]
        assert os.path.normpath(mount + inside) == path, key
    # a process in a sub-cgroup is still the container's
    sub = v1cg.paths["memory"] + "/sub"
    os.mkdir(sub)
    other = sleeper(reg)
    v1cg.join(other.pid)
    with open(f"{sub}/cgroup.procs", "w") as f:
        f.write(str(other.pid))
    assert v1cg.pids() == sorted([proc.pid, other.pid])


def _fork_joined(cg, reg):
    """A forked child that joins `cg` itself with join(0), then waits."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            cg.join(0)
            os.write(wfd, b"ok")
        except BaseException as exc:  # report anything to the parent
            os.write(wfd, str(exc).encode()[:500] or b"error")
        finally:
            os.close(wfd)
            time.sleep(60)
            os._exit(0)
    reg.forked.append(pid)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as r:
        answer = r.read(600)
    assert answer == b"ok", answer
    return pid


@needs_v1
def test_v1_join_self_through_tasks(v1cg, reg):
    v1cg.create()
    pid = _fork_joined(v1cg, reg)
    assert v1cg.pids() == [pid]
    seen = proc_cgroups(pid)
    assert os.path.normpath(V1_MOUNTS["freezer"] + seen["freezer"]) == v1cg.paths["freezer"]
    if UNIFIED in v1cg.paths:
        assert os.path.normpath(CGROUP2 + seen[""]) == v1cg.paths[UNIFIED]


@needs_v1
def test_v1_set_resources_memory_and_pids(v1cg):
    v1cg.create()
    mem, pids = v1cg.paths["memory"], v1cg.paths["pids"]
    v1cg.set_resources({"memory": {"limit": 64 * MiB, "reservation": 32 * MiB, "swap": 128 * MiB},
                        "pids": {"limit": 42}})
    assert int(read(f"{mem}/memory.limit_in_bytes")) == 64 * MiB
    assert int(read(f"{mem}/memory.soft_limit_in_bytes")) == 32 * MiB
    assert int(read(f"{mem}/memory.memsw.limit_in_bytes")) == 128 * MiB
    assert read(f"{pids}/pids.max") == "42"
    # lower both, then raise both far above: each needs its own write order
    v1cg.set_resources({"memory": {"limit": 32 * MiB, "swap": 32 * MiB}})
    assert int(read(f"{mem}/memory.limit_in_bytes")) == 32 * MiB
    assert int(read(f"{mem}/memory.memsw.limit_in_bytes")) == 32 * MiB
    v1cg.set_resources({"memory": {"limit": 256 * MiB, "swap": 512 * MiB}})
    assert int(read(f"{mem}/memory.limit_in_bytes")) == 256 * MiB
    assert int(read(f"{mem}/memory.memsw.limit_in_bytes")) == 512 * MiB
    # absent keys change nothing
    v1cg.set_resources({"memory": {"reservation": 16 * MiB}})
    assert int(read(f"{mem}/memory.limit_in_bytes")) == 256 * MiB
    # unlimited memory: unlimited swap too
    v1cg.set_resources({"memory": {"limit": -1}})
    unlimited = int(read(f"{V1_MOUNTS['memory']}/memory.limit_in_bytes"))
    assert int(read(f"{mem}/memory.limit_in_bytes")) == unlimited
    assert int(read(f"{mem}/memory.memsw.limit_in_bytes")) == unlimited
    for limit, expected in ((-1, "max"), (5, "5"), (0, "max")):
        v1cg.set_resources({"pids": {"limit": limit}})
        assert read(f"{pids}/pids.max") == expected


@needs_v1
def test_v1_set_resources_cpu(v1cg):
    v1cg.create()
    v1cg.set_resources({"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"}})
    cpu = v1cg.paths["cpu"]
    assert read(f"{cpu}/cpu.shares") == "512"
    assert read(f"{cpu}/cpu.cfs_period_us") == "100000"
    assert read(f"{cpu}/cpu.cfs_quota_us") == "50000"
    assert read(f"{v1cg.paths['cpuset']}/cpuset.cpus") == "0"


@needs_v1
def test_v1_errors_name_the_syscall_and_the_path(v1cg, name):
    v1cg.create()
    with pytest.raises(FsmrunError) as caught:
        v1cg.set_resources({"cpu": {"cpus": "9999"}})   # no such CPU
    target = f"{v1cg.paths['cpuset']}/cpuset.cpus"
    code = caught.value.errno
    assert code in (errno.EINVAL, errno.ERANGE)
    assert str(caught.value) == (
        f"write 9999 to {target}: {errno.errorcode[code]} ({os.strerror(code)})")
    missing = Cgroup({"memory": f"/sys/fs/cgroup/memory/{name}-missing"}, 1)
    with pytest.raises(FsmrunError) as caught:
        missing.set_resources({"memory": {"limit": 64 * MiB}})
    assert str(caught.value).startswith(
        f"open /sys/fs/cgroup/memory/{name}-missing/memory.limit_in_bytes: ENOENT")
    with pytest.raises(FsmrunError, match=r"^open /sys/fs/cgroup/memory/.*-missing/tasks: ENOENT"):
        missing.join(0)


@needs_v1
def test_v1_freeze_and_thaw(v1cg, reg):
    v1cg.create()
    proc = sleeper(reg)
    v1cg.join(proc.pid)
    freezer = v1cg.paths["freezer"]
    assert not v1cg.is_frozen()
    v1cg.freeze()
    assert read(f"{freezer}/freezer.state") == "FROZEN"
    assert v1cg.is_frozen()
    v1cg.freeze()   # again: no change
    v1cg.thaw()
    assert read(f"{freezer}/freezer.state") == "THAWED"
    assert not v1cg.is_frozen()
    v1cg.thaw()


@needs_v1
def test_v1_frozen_by_an_ancestor_is_not_frozen_itself(name, reg):
    top = reg.track(f"{V1_MOUNTS['freezer']}/{name}")
    parent = Cgroup({"freezer": top}, 1)
    child = Cgroup({"freezer": f"{top}/child"}, 1)
    child.create()
    parent.freeze()
    assert read(f"{top}/child/freezer.state") == "FROZEN"
    assert parent.is_frozen() and not child.is_frozen()
    with pytest.raises(FsmrunError, match="frozen by an ancestor"):
        child.thaw()
    parent.thaw()
    assert not child.is_frozen()
    parent.remove()
    assert not os.path.exists(top)


@needs_v1
def test_v1_kill_all_reaches_forked_children(v1cg, reg):
    v1cg.create()
    proc = reg.spawn(["sh", "-c", "read x; sleep 60 & sleep 60 & wait"],
                     stdin=subprocess.PIPE, text=True)
    v1cg.join(proc.pid)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    wait_for(lambda: len(v1cg.pids()) == 3, what="the shell and two sleeps")
    v1cg.kill_all()
    assert wait_exit(proc) == -signal.SIGKILL
    wait_for(lambda: v1cg.pids() == [], what="every process to die")
    assert not v1cg.is_frozen()
    v1cg.remove()
    assert not v1cg.exists()


@needs_v1
def test_v1_kill_all_with_another_signal_leaves_a_paused_cgroup_paused(v1cg, reg):
    v1cg.create()
    proc = sleeper(reg)
    v1cg.join(proc.pid)
    v1cg.freeze()
    v1cg.kill_all(signal.SIGTERM)
    assert v1cg.is_frozen()
    assert proc.poll() is None
    v1cg.thaw()
    assert wait_exit(proc) == -signal.SIGTERM


@needs_v1
def test_v1_oom_kill_count(v1cg, reg):
    v1cg.create()
    assert v1cg.oom_kill_count() == 0
    v1cg.set_resources({"memory": {"limit": 32 * MiB, "swap": 32 * MiB}})
    hog = reg.spawn([sys.executable, "-I", "-S", "-c",
                     "import sys; sys.stdin.readline(); b = bytearray(256 << 20); print(len(b))"],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    v1cg.join(hog.pid)
    hog.stdin.write("go\n")
    hog.stdin.flush()
    assert wait_exit(hog, timeout=30) == -signal.SIGKILL
    assert v1cg.oom_kill_count() == 1


# -- v2 (the cgroup2 mount) on the real kernel ---------------------------------------------

@needs_cgroup2
def test_v2_create_enables_controllers_in_every_parent(v2cg):
    v2cg.create()
    v2cg.create()
    leaf = v2cg.paths[UNIFIED]
    top = os.path.dirname(leaf)
    assert os.path.isfile(f"{leaf}/cgroup.procs")
    for level in (CGROUP2, top):
        available = set(read(f"{level}/cgroup.controllers").split())
        assert available <= set(read(f"{level}/cgroup.subtree_control").split()), level
    if "hugetlb" in read(f"{CGROUP2}/cgroup.controllers").split():
        assert "hugetlb" in read(f"{leaf}/cgroup.controllers").split()


@needs_cgroup2
def test_v2_join_child_and_self(v2cg, reg):
    v2cg.create()
    proc = sleeper(reg)
    v2cg.join(proc.pid)
    leaf = v2cg.paths[UNIFIED]
    assert os.path.normpath(CGROUP2 + proc_cgroups(proc.pid)[""]) == leaf
    pid = _fork_joined(v2cg, reg)
    assert v2cg.pids() == sorted([proc.pid, pid])


@needs_cgroup2
def test_v2_freeze_and_thaw(v2cg, reg):
    v2cg.create()
    proc = sleeper(reg)
    v2cg.join(proc.pid)
    leaf = v2cg.paths[UNIFIED]
    v2cg.freeze()
    assert "frozen 1" in read(f"{leaf}/cgroup.events").splitlines()
    assert v2cg.is_frozen()
    v2cg.thaw()
    assert "frozen 0" in read(f"{leaf}/cgroup.events").splitlines()
    assert not v2cg.is_frozen()


@needs_cgroup2
def test_v2_kill_all_uses_cgroup_kill(v2cg, reg):
    v2cg.create()
    procs = [sleeper(reg) for _ in range(3)]
    for proc in procs:
        v2cg.join(proc.pid)
    v2cg.kill_all()
    for proc in procs:
        assert wait_exit(proc) == -signal.SIGKILL
    wait_for(lambda: v2cg.pids() == [], what="an empty cgroup")
    v2cg.remove()
    assert not v2cg.exists()


@needs_cgroup2
def test_v2_kill_all_other_signal_freezes_signals_thaws(v2cg, reg):
    v2cg.create()
    proc = sleeper(reg)
    v2cg.join(proc.pid)
    v2cg.kill_all(signal.SIGTERM)
    assert wait_exit(proc) == -signal.SIGTERM
    assert not v2cg.is_frozen()


@needs_cgroup2
def test_v2_hugetlb_and_unified_limits(v2cg):
    v2cg.create()
    leaf = v2cg.paths[UNIFIED]
    if not os.path.exists(f"{leaf}/hugetlb.2MB.max"):
        pytest.skip("no 2MB hugetlb controller on this cgroup2 mount")
    v2cg.set_resources({"hugepageLimits": [{"pageSize": "2MB", "limit": 4 * MiB}]})
    assert read(f"{leaf}/hugetlb.2MB.max") == str(4 * MiB)
    v2cg.set_resources({"unified": {"hugetlb.2MB.max": str(2 * MiB)}})
    assert read(f"{leaf}/hugetlb.2MB.max") == str(2 * MiB)


@needs_cgroup2
def test_v2_limit_without_its_controller_is_a_clear_error(v2cg):
    v2cg.create()
    leaf = v2cg.paths[UNIFIED]
    if os.path.exists(f"{leaf}/memory.max"):
        pytest.skip("the memory controller is available here")
    with pytest.raises(FsmrunError) as caught:
        v2cg.set_resources({"memory": {"limit": 64 * MiB}})
    message = str(caught.value)
    assert message.startswith("cannot set linux.resources.memory.limit: ")
    assert f"open {leaf}/memory.max: ENOENT" in message
    assert "memory controller is not enabled" in message
    assert v2cg.oom_kill_count() == 0


# -- removal, on both --------------------------------------------------------------------

def test_remove_of_a_cgroup_never_created(name):
    for cg in (Cgroup({"memory": f"/sys/fs/cgroup/memory/{name}"}, 1),
               Cgroup({UNIFIED: f"/sys/fs/cgroup/unified/{name}/x"}, 2)):
        assert not cg.exists()
        cg.remove()
        cg.thaw()
        cg.kill_all()
        assert cg.pids() == [] and not cg.is_frozen() and cg.oom_kill_count() == 0


def test_remove_is_idempotent_and_removes_sub_cgroups(anycg):
    anycg.create()
    for path in anycg.paths.values():
        os.makedirs(f"{path}/a/b", exist_ok=True)
    anycg.remove()
    assert not anycg.exists()
    anycg.remove()
    if anycg.version == 2:
        os.rmdir(os.path.dirname(anycg.paths[UNIFIED]))


def test_remove_waits_for_a_process_that_is_exiting(anycg, reg):
    anycg.create()
    slow = reg.spawn([sys.executable, "-I", "-S", "-c",
                      "import os, signal, time\n"
                      "def bye(*_):\n"
                      "    time.sleep(0.4)\n"
                      "    os._exit(0)\n"
                      "signal.signal(signal.SIGTERM, bye)\n"
                      "print('ready', flush=True)\n"
                      "time.sleep(60)\n"],
                     stdout=subprocess.PIPE, text=True)
    assert slow.stdout.readline() == "ready\n"
    anycg.join(slow.pid)
    slow.send_signal(signal.SIGTERM)
    started = time.monotonic()
    anycg.remove(timeout=10)      # EBUSY until it is gone; it is not reaped yet
    took = time.monotonic() - started
    assert not anycg.exists()
    assert took > 0.2, took
    assert wait_exit(slow) == 0


def test_remove_gives_up_naming_path_errno_and_pids(anycg, reg):
    anycg.create()
    proc = sleeper(reg)
    anycg.join(proc.pid)
    with pytest.raises(FsmrunError) as caught:
        anycg.remove(timeout=0.2)
    message = str(caught.value)
    assert message.startswith("rmdir /sys/fs/cgroup/")
    assert ": EBUSY (Device or resource busy) after 0.2s" in message
    assert f"processes still in it: {proc.pid}" in message
    assert caught.value.errno == errno.EBUSY
    assert anycg.exists()


def test_remove_refuses_a_directory_that_is_not_a_cgroup(tmp_path):
    notcg = tmp_path / "notcg"
    (notcg / "child").mkdir(parents=True)
    cg = Cgroup({"memory": str(notcg)}, 1)
    with pytest.raises(FsmrunError, match="not a cgroup directory"):
        cg.remove()
    assert (notcg / "child").is_dir()


@needs_v1
def test_remove_refuses_a_hierarchy_root(tmp_path, name):
    """A fresh named v1 hierarchy, mounted for this test, stands in for a
    real root (removing /sys/fs/cgroup/memory's children is not a test)."""
    mnt = tmp_path / "hier"
    mnt.mkdir()
    hier = f"none,name={name[-20:]}"
    res = subprocess.run(["mount", "-t", "cgroup", "-o", hier, "cgroup", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a named v1 hierarchy here: {res.stderr.strip()}")
    try:
        (mnt / "child").mkdir()
        cg = Cgroup({"name=x": str(mnt)}, 1)
        with pytest.raises(FsmrunError, match="root of a cgroup hierarchy"):
            cg.remove()
        assert (mnt / "child").is_dir()
    finally:
        try:
            os.rmdir(mnt / "child")
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
