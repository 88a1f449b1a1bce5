"""Container cgroups through the cgroup filesystem (runc's "cgroupfs" driver).

One interface over the three layouts a host can have:

- v1: one hierarchy per controller (or per group of co-mounted controllers)
  under /sys/fs/cgroup/<name>, plus the named `name=systemd` hierarchy.
- hybrid: v1 as above, plus a cgroup2 mount (normally /sys/fs/cgroup/unified)
  that holds no controllers the container needs but whose cgroup.procs,
  cgroup.kill, cgroup.freeze and cgroup.events work.  Like runc, the
  container is created in and joined to that hierarchy too (key "unified").
- v2: a single cgroup2 hierarchy mounted at /sys/fs/cgroup.

A `Cgroup` is a map from hierarchy key ("memory", "cpu", ..., "name=systemd",
"unified") to the absolute directory of the container's cgroup there, plus
the version (1 for v1 and hybrid, 2 for v2).  That map is the whole state:
`to_record()` gives it to the journal, `from_record()` rebuilds it, so a
destroy after a crash finds every directory the create made.

How `linux.cgroupsPath` is read (runc's cgroupfs driver, libcontainer
cgroups/fs/paths.go and fs2/defaultpath.go):

- the path is cleaned like runc's utils.CleanPath: `..` can never climb out
  ("../../x" is "x", "/../x" is "/x");
- empty: the container id, taken as a relative path;
- absolute: the same path under the root of every hierarchy
  (/sys/fs/cgroup/memory/<path>, ..., /sys/fs/cgroup/<path> on v2);
- relative, v1: under the cgroup this process is in, in each hierarchy
  (from /proc/self/cgroup, made relative to the mount's root for nested
  containers); hybrid's unified hierarchy: under its root (runc does that:
  its GetOwnCgroupPath("") is the hybrid mount point itself);
- relative, v2: under the *parent* of the cgroup this process is in (the own
  cgroup has processes, so controllers could not be enabled below it).

v1 hierarchies joined are runc's list (cpuset, devices, memory, cpu,
cpuacct, pids, blkio, hugetlb, net_cls, net_prio, perf_event, freezer, rdma,
name=systemd, misc) where mounted; a missing `devices` hierarchy is an error,
as in runc (it is what confines device access on v1).

Where fsmrun deliberately differs from runc:

- a cgroupsPath that resolves to a hierarchy root or to the runtime's own
  cgroup ("/", ".") is refused: removing it would remove every empty cgroup
  below it;
- `remove()` rmdirs only directories that contain cgroup.procs and never a
  mount point, and retries EBUSY until a deadline instead of a fixed count;
- pids.limit: a value <= 0 means "max" (runtime-spec 1.0-1.2 wording, runc
  1.2/1.3 after #4023; runc 1.4 writes 0 as a real limit);
- a resources section fsmrun cannot apply (blockIO, network, rdma with any
  setting in it) is an error, not silently ignored.  `devices` is left to
  the devices step.

Only cheap modules are imported (os, errno, time): this is on the hot path of
create, start, kill and delete.
"""

import errno
import os
import time

from .errors import FsmrunError, syscall_error

UNIFIED = "unified"

# runc's v1 subsystems, in its order (libcontainer/cgroups/fs/fs.go).
V1_HIERARCHIES = (
    "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio",
    "hugetlb", "net_cls", "net_prio", "perf_event", "freezer", "rdma",
    "name=systemd", "misc",
)
_V1_KNOWN = frozenset(V1_HIERARCHIES)

# Superblock options of a v1 cgroup mount that are not controllers.
_V1_MOUNT_OPTIONS = frozenset((
    "rw", "ro", "all", "none", "noprefix", "clone_children", "xattr",
    "cpuset_v2_mode", "favordynmods",
))

_FREEZE_TIMEOUT = 10.0
_THAW_TIMEOUT = 2.0


# -- small file helpers -------------------------------------------------------

def _read(path):
    """The whole content of a (small) cgroup file; raises OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode()


def _write_raw(path, text):
    """Write `text` to a cgroup file in one write(2); raises OSError (one
    from open(2) is marked, so the error can name the right call)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        exc.in_open = True
        raise
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _write_error(path, text, exc):
    if getattr(exc, "in_open", False):
        return syscall_error("open", path, exc)
    call = f"write {text} to" if 0 < len(text) <= 64 else "write"
    return syscall_error(call, path, exc)


def _write(path, text):
    try:
        _write_raw(path, text)
    except OSError as exc:
        raise _write_error(path, text, exc) from None


def _keyed_value(text, key):
    """The integer after `key` in a flat-keyed file ("oom_kill 3"), or None."""
    prefix = key + " "
    for line in text.splitlines():
        if line.startswith(prefix):
            try:
                return int(line[len(prefix):])
            except ValueError:
                return None
    return None


def _mkdir_p(path):
    """mkdir -p with an error naming the directory that could not be made."""
    try:
        os.mkdir(path, 0o755)
        return
    except FileExistsError:
        return
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise syscall_error("mkdir", path, exc) from None
    parent = os.path.dirname(path)
    if parent == path:
        raise syscall_error("mkdir", path, errno.ENOENT)
    _mkdir_p(parent)
    try:
        os.mkdir(path, 0o755)
    except FileExistsError:
        pass
    except OSError as exc:
        raise syscall_error("mkdir", path, exc) from None


# -- the mount table ------------------------------------------------------------

_mount_cache = None


def _unescape(field):
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    if "\\" not in field:
        return field
    out = []
    i, n = 0, len(field)
    while i < n:
        ch = field[i]
        if ch == "\\" and i + 4 <= n and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_mountinfo(text):
    """The cgroup mounts in mountinfo text, in order.

    Each is a tuple (mount_point, root, fstype, controllers): fstype is
    "cgroup" (v1) or "cgroup2"; controllers are the v1 controllers from the
    superblock options, with named hierarchies as "name=<name>" (empty for
    cgroup2).  `root` is the cgroup the mount shows (not "/" in a nested
    container that bind-mounts part of the host's tree).
    """
    mounts = []
    for line in text.splitlines():
        sep = line.find(" - cgroup")
        if sep < 0:
            continue
        tail = line[sep + 3:].split(" ")
        if len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        head = line[:sep].split(" ")
        if len(head) < 5:
            continue
        root, mount_point = _unescape(head[3]), _unescape(head[4])
        if tail[0] == "cgroup2":
            mounts.append((mount_point, root, "cgroup2", ()))
            continue
        controllers = tuple(
            opt for opt in tail[2].split(",")
            if opt not in _V1_MOUNT_OPTIONS
            and ("=" not in opt or opt.startswith("name=")))
        mounts.append((mount_point, root, "cgroup", controllers))
    return mounts


def mount_table():
    """The cgroup mounts of this process (parse_mountinfo), read once per process."""
    global _mount_cache
    if _mount_cache is None:
        try:
            with open("/proc/self/mountinfo", "rb") as f:
                text = f.read().decode("utf-8", "surrogateescape")
        except OSError as exc:
            raise syscall_error("open", "/proc/self/mountinfo", exc) from None
        _mount_cache = parse_mountinfo(text)
    return _mount_cache


def own_cgroups(path="/proc/self/cgroup"):
    """{hierarchy key: cgroup path} of this process; the v2 entry is under ""."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise syscall_error("open", path, exc) from None
    own = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[1] == "":
            own[""] = parts[2]
        else:
            for key in parts[1].split(","):
                own[key] = parts[2]
    return own


# -- path resolution (runc's cgroupfs driver) ---------------------------------

def clean_path(path):
    """runc's utils.CleanPath: clean, and never let a relative path climb out."""
    if not path:
        return ""
    cleaned = os.path.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if cleaned.startswith("/"):
        return cleaned
    return os.path.normpath("/" + cleaned).lstrip("/") or "."


def _join(base, *parts):
    path = base.rstrip("/") or "/"
    for part in parts:
        part = part.strip("/")
        if part and part != ".":
            path = path + part if path.endswith("/") else path + "/" + part
    return path


def _below_root(own, root):
    """The process's cgroup `own` relative to the mount's `root`.

    A cgroup outside what the mount shows (or a "/.." path seen from another
    cgroup namespace) falls back to the mount's root instead of escaping it,
    where runc's filepath.Rel would produce "../..".
    """
    if own is None or not own.startswith("/") or "/.." in own + "/":
        return "/"
    if root in ("/", ""):
        return own
    if own == root:
        return "/"
    if own.startswith(root.rstrip("/") + "/"):
        return own[len(root.rstrip("/")):]
    return "/"


def _resolve(cgroups_path, container_id, mounts, own):
    """(paths, version) for a container, from a mount table and own cgroups."""
    inner = clean_path(cgroups_path or "")
    if not inner:
        inner = clean_path(container_id or "")
        if not inner:
            raise FsmrunError("cgroup: no linux.cgroupsPath and no container id to name the cgroup")
    if inner in ("/", "."):
        raise FsmrunError(
            f"linux.cgroupsPath {cgroups_path!r} names the root of the cgroup "
            "hierarchies or the runtime's own cgroup; refusing to use it")
    absolute = inner.startswith("/")

    unified_mount = None   # cgroup2 at /sys/fs/cgroup: v2
    other_v2 = None        # any other cgroup2 mount: hybrid (or a v2 elsewhere)
    v1 = {}
    for mount_point, root, fstype, controllers in mounts:
        if fstype == "cgroup2":
            if mount_point == "/sys/fs/cgroup":
                unified_mount = unified_mount or (mount_point, root)
            elif other_v2 is None or (mount_point == "/sys/fs/cgroup/unified"
                                      and other_v2[0] != mount_point):
                other_v2 = (mount_point, root)
        else:
            for key in controllers:
                if key in _V1_KNOWN and key not in v1:
                    v1[key] = (mount_point, root)

    has_v1 = any(not key.startswith("name=") for key in v1)
    if unified_mount is None and not has_v1:
        unified_mount, other_v2 = other_v2, None  # a lone cgroup2 mount elsewhere
    if unified_mount is not None:
        mount_point, root = unified_mount
        if absolute:
            return {UNIFIED: _join(mount_point, inner)}, 2
        parent = os.path.dirname(_below_root(own.get(""), root))
        return {UNIFIED: _join(mount_point, parent, inner)}, 2
    if not has_v1:
        raise FsmrunError("cgroup: no cgroup filesystem is mounted (see /proc/self/mountinfo)")

    paths = {}
    for key in V1_HIERARCHIES:
        where = v1.get(key)
        if where is None:
            continue
        mount_point, root = where
        if absolute:
            paths[key] = _join(mount_point, inner)
            continue
        mine = own.get(key)
        if mine is None:
            continue  # runc: not in /proc/self/cgroup, so not there
        paths[key] = _join(mount_point, _below_root(mine, root), inner)
    if "devices" not in paths:
        raise FsmrunError(
            "cgroup: the devices controller is not mounted; without it a v1 "
            "container could open any device (runc refuses too)")
    if other_v2 is not None:
        paths[UNIFIED] = _join(other_v2[0], inner)
    return paths, 1


# -- resources: what to write where (pure, so it can be tested anywhere) ------

def _int(section, key, field):
    value = section.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise FsmrunError(f"linux.resources.{field}: must be an integer, got {value!r}")
    return value


def _has_settings(value):
    if isinstance(value, dict):
        return any(_has_settings(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_settings(v) for v in value)
    return bool(value)


def _check_supported(resources):
    for key in ("blockIO", "network", "rdma"):
        if _has_settings(resources.get(key)):
            raise FsmrunError(f"linux.resources.{key} is not supported by fsmrun yet")


def _pids_value(resources):
    pids = resources.get("pids")
    if not pids or pids.get("limit") is None:
        return None
    limit = _int(pids, "limit", "pids.limit")
    return str(limit) if limit > 0 else "max"


def _hugepage_writes(resources, suffix):
    writes = []
    for i, entry in enumerate(resources.get("hugepageLimits") or ()):
        size = entry.get("pageSize") or ""
        if not size or "/" in size or size.startswith("."):
            raise FsmrunError(f"linux.resources.hugepageLimits[{i}].pageSize: bad page size {size!r}")
        limit = _int(entry, "limit", f"hugepageLimits[{i}].limit")
        writes.append(("hugetlb", f"hugetlb.{size}.{suffix}", str(limit),
                       f"hugepageLimits[{i}]"))
    return writes


def _cpuset_writes(cpu):
    """The cpuset files, the same on v1 and v2."""
    writes = []
    if cpu.get("cpus"):
        writes.append(("cpuset", "cpuset.cpus", str(cpu["cpus"]), "cpu.cpus"))
    if cpu.get("mems"):
        writes.append(("cpuset", "cpuset.mems", str(cpu["mems"]), "cpu.mems"))
    return writes


def _memory_values(resources):
    """(limit, swap, reservation) of linux.resources.memory, checked ints."""
    memory = resources.get("memory") or {}
    return (_int(memory, "limit", "memory.limit"), _int(memory, "swap", "memory.swap"),
            _int(memory, "reservation", "memory.reservation"))


def _plan_v1(resources, current_limit=None, has_memsw=True):
    """[(controller, file, value, field)] for cgroup v1, in write order.

    `current_limit` is memory.limit_in_bytes now (needed only when both
    memory.limit and memory.swap are set: the new swap limit is written first
    when it is above the current memory limit, so the kernel's
    memory <= memory+swap check holds after every write); `has_memsw` says
    whether memory.memsw.limit_in_bytes exists (swap accounting enabled).
    """
    _check_supported(resources)
    if resources.get("unified"):
        raise FsmrunError("linux.resources.unified needs cgroup v2; this host uses cgroup v1")
    writes = []

    cpu = resources.get("cpu") or {}
    writes += _cpuset_writes(cpu)
    memory = resources.get("memory") or {}
    limit, swap, reservation = _memory_values(resources)
    if limit == -1 and swap == 0 and has_memsw:
        swap = -1  # unlimited memory means unlimited swap too, unless asked
    if limit > 0 and swap > 0 and swap < limit:
        raise FsmrunError(
            f"linux.resources.memory.swap ({swap}) is memory+swap and must be "
            f">= memory.limit ({limit})")
    mem_write = ("memory", "memory.limit_in_bytes", str(limit), "memory.limit")
    swap_write = ("memory", "memory.memsw.limit_in_bytes", str(swap), "memory.swap")
    swap_first = (limit != 0 and swap != 0 and
                  (swap == -1 or (current_limit is not None and current_limit < swap)))
    order = (swap_write, mem_write) if swap_first else (mem_write, swap_write)
    for item in order:
        if item[2] != "0":
            writes.append(item)
    if reservation:
        writes.append(("memory", "memory.soft_limit_in_bytes", str(reservation),
                       "memory.reservation"))
    if memory.get("disableOOMKiller"):
        writes.append(("memory", "memory.oom_control", "1", "memory.disableOOMKiller"))
    swappiness = memory.get("swappiness")
    if swappiness is not None and swappiness != -1:
        swappiness = _int(memory, "swappiness", "memory.swappiness")
        if not 0 <= swappiness <= 100:
            raise FsmrunError(f"linux.resources.memory.swappiness: {swappiness} is not in 0-100")
        writes.append(("memory", "memory.swappiness", str(swappiness), "memory.swappiness"))

    for key, name in (("shares", "cpu.shares"), ("period", "cpu.cfs_period_us"),
                      ("quota", "cpu.cfs_quota_us")):
        value = _int(cpu, key, f"cpu.{key}")
        if value:
            writes.append(("cpu", name, str(value), f"cpu.{key}"))
    if cpu.get("burst") is not None:
        writes.append(("cpu", "cpu.cfs_burst_us", str(_int(cpu, "burst", "cpu.burst")), "cpu.burst"))
    for key, name in (("realtimePeriod", "cpu.rt_period_us"),
                      ("realtimeRuntime", "cpu.rt_runtime_us")):
        value = _int(cpu, key, f"cpu.{key}")
        if value:
            writes.append(("cpu", name, str(value), f"cpu.{key}"))
    if cpu.get("idle") is not None:
        writes.append(("cpu", "cpu.idle", str(_int(cpu, "idle", "cpu.idle")), "cpu.idle"))

    pids = _pids_value(resources)
    if pids is not None:
        writes.append(("pids", "pids.max", pids, "pids.limit"))
    writes.extend(_hugepage_writes(resources, "limit_in_bytes"))
    return writes


def _v2_num(value):
    """runc's numToStr: 0 is unset, -1 is "max"."""
    if value == 0:
        return ""
    if value == -1:
        return "max"
    return str(value)


def _v2_swap(swap, limit):
    """memory.swap.max from OCI's memory+swap (runc's ConvertMemorySwapToCgroupV2Value)."""
    if limit == -1 and swap == 0:
        return -1
    if swap in (-1, 0):
        return swap
    if limit == -1:
        return swap
    if limit == 0:
        raise FsmrunError("linux.resources.memory.swap: cannot set a swap limit without memory.limit")
    if limit < 0:
        raise FsmrunError(f"linux.resources.memory.limit: invalid value {limit}")
    if swap < limit:
        raise FsmrunError(
            f"linux.resources.memory.swap ({swap}) is memory+swap and must be "
            f">= memory.limit ({limit})")
    return swap - limit


def _plan_v2(resources):
    """[(controller, file, value, field)] for cgroup v2, in write order."""
    _check_supported(resources)
    writes = []

    cpu = resources.get("cpu") or {}
    writes += _cpuset_writes(cpu)
    limit, swap, reservation = _memory_values(resources)
    if limit or swap or reservation:
        v2swap = _v2_swap(swap, limit)
        swap_text = _v2_num(v2swap)
        if swap_text == "" and v2swap == 0 and swap > 0:
            swap_text = "0"  # memory+swap == memory: no swap at all
        if swap_text:
            writes.append(("memory", "memory.swap.max", swap_text, "memory.swap"))
        if _v2_num(limit):
            writes.append(("memory", "memory.max", _v2_num(limit), "memory.limit"))
        if _v2_num(reservation):
            writes.append(("memory", "memory.low", _v2_num(reservation), "memory.reservation"))
    # swappiness and disableOOMKiller have no v2 file; runc ignores them too.

    shares = _int(cpu, "shares", "cpu.shares")
    if shares:
        weight = 1 + ((shares - 2) * 9999) // 262142
        writes.append(("cpu", "cpu.weight", str(weight), "cpu.shares"))
    quota = _int(cpu, "quota", "cpu.quota")
    period = _int(cpu, "period", "cpu.period")
    if quota or period:
        text = str(quota) if quota > 0 else "max"
        if period:
            text += f" {period}"
        writes.append(("cpu", "cpu.max", text, "cpu.quota"))
    if cpu.get("burst") is not None:
        writes.append(("cpu", "cpu.max.burst", str(_int(cpu, "burst", "cpu.burst")), "cpu.burst"))
    if _int(cpu, "realtimePeriod", "cpu.realtimePeriod") or \
            _int(cpu, "realtimeRuntime", "cpu.realtimeRuntime"):
        raise FsmrunError("linux.resources.cpu.realtimePeriod/realtimeRuntime are not supported on cgroup v2")
    if cpu.get("idle") is not None:
        writes.append(("cpu", "cpu.idle", str(_int(cpu, "idle", "cpu.idle")), "cpu.idle"))

    pids = _pids_value(resources)
    if pids is not None:
        writes.append(("pids", "pids.max", pids, "pids.limit"))
    writes.extend(_hugepage_writes(resources, "max"))

    for name, value in (resources.get("unified") or {}).items():
        if not name or "/" in name or name in (".", "..") or "." not in name:
            raise FsmrunError(f"linux.resources.unified: {name!r} is not a cgroup file name")
        writes.append((name.split(".", 1)[0], name, str(value), f"unified[{name!r}]"))
    return writes


# -- removal ---------------------------------------------------------------------

def _rmdir_error(path, exc, timeout=None):
    err = syscall_error("rmdir", path, exc)
    if getattr(exc, "errno", exc) == errno.EBUSY and timeout is not None:
        left = set()
        try:
            _collect_pids(path, left)
        except FsmrunError:
            pass
        detail = f" after {timeout:g}s"
        if left:
            detail += "; processes still in it: " + " ".join(str(p) for p in sorted(left)[:20])
        err = FsmrunError(err.message + detail, errno=err.errno)
    return err


def _remove_tree(path, deadline, timeout):
    """rmdir a cgroup, its sub-cgroups first, retrying EBUSY until `deadline`."""
    try:
        os.stat(path + "/cgroup.procs")
    except FileNotFoundError:
        if not os.path.lexists(path):
            return
        raise FsmrunError(f"rmdir {path}: not a cgroup directory (no cgroup.procs); refusing to remove it")
    except OSError as exc:
        raise syscall_error("stat", path + "/cgroup.procs", exc) from None
    try:
        os.rmdir(path)
        return
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno not in (errno.EBUSY, errno.ENOTEMPTY):
            if not os.path.lexists(path):
                return  # e.g. EROFS for a path that is not there
            raise syscall_error("rmdir", path, exc) from None
    if os.path.ismount(path):
        raise FsmrunError(f"rmdir {path}: is the root of a cgroup hierarchy; refusing to remove it")
    try:
        children = [entry.path for entry in os.scandir(path)
                    if entry.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    except OSError as exc:
        raise syscall_error("opendir", path, exc) from None
    for child in children:
        _remove_tree(child, deadline, timeout)
    delay = 0.001
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            now = time.monotonic()
            if exc.errno not in (errno.EBUSY, errno.EINTR) or now >= deadline:
                raise _rmdir_error(path, exc, timeout) from None
            time.sleep(min(delay, deadline - now))
            delay = min(delay * 2, 0.05)


def _collect_pids(path, out):
    """Add the pids in cgroup `path` and its sub-cgroups to the set `out`."""
    for name in ("cgroup.procs", "cgroup.threads"):
        try:
            text = _read(path + "/" + name)
            break
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENODEV):
                return
            if exc.errno != errno.EOPNOTSUPP or name == "cgroup.threads":
                raise syscall_error("read", path + "/" + name, exc) from None
    for line in text.split():
        out.add(int(line))
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise syscall_error("opendir", path, exc) from None
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _collect_pids(entry.path, out)


def _sleep_backoff(delay):
    time.sleep(delay)
    return min(delay * 2, 0.02)


# -- the cgroup --------------------------------------------------------------------

class Cgroup:
    """A container's cgroup: one directory per hierarchy."""

    def __init__(self, paths, version):
        if version not in (1, 2):
            raise FsmrunError(f"cgroup: version must be 1 or 2, not {version!r}")
        if not isinstance(paths, dict) or not paths:
            raise FsmrunError("cgroup: no hierarchy paths")
        for key, path in paths.items():
            if (not isinstance(key, str) or not isinstance(path, str)
                    or not path.startswith("/") or path.startswith("//")
                    or os.path.normpath(path) != path or path == "/"):
                raise FsmrunError(f"cgroup: bad path {path!r} for hierarchy {key!r}")
        if version == 2 and UNIFIED not in paths:
            raise FsmrunError("cgroup: a v2 cgroup needs its 'unified' path")
        self.paths = dict(paths)
        self.version = version
        self._dirs = list(dict.fromkeys(self.paths.values()))

    def __repr__(self):
        return f"Cgroup({self.paths!r}, {self.version})"

    def __eq__(self, other):
        return (isinstance(other, Cgroup) and self.version == other.version
                and self.paths == other.paths)

    @property
    def hybrid(self):
        return self.version == 1 and UNIFIED in self.paths

    # -- finding it ----------------------------------------------------------

    @classmethod
    def for_container(cls, cgroups_path, container_id, mounts=None):
        """The cgroup runc's cgroupfs driver would use for this container."""
        if mounts is None:
            mounts = mount_table()
        inner = clean_path(cgroups_path or "") or clean_path(container_id or "")
        own = {} if inner.startswith("/") else own_cgroups()
        paths, version = _resolve(cgroups_path, container_id, mounts, own)
        return cls(paths, version)

    def to_record(self):
        return {"version": self.version, "paths": dict(self.paths)}

    @classmethod
    def from_record(cls, record):
        if not isinstance(record, dict) or "paths" not in record or "version" not in record:
            raise FsmrunError(f"cgroup: bad record {record!r}")
        return cls(record["paths"], record["version"])

    # -- making it -------------------------------------------------------------

    def create(self):
        """mkdir -p in every hierarchy; idempotent."""
        for key, path in self.paths.items():
            if key == "cpuset":
                self._create_cpuset(path)
            elif key == UNIFIED and self.version == 2:
                self._create_v2(path)
            else:
                _mkdir_p(path)

    @staticmethod
    def _cpuset_state(path):
        """(cpus, mems) of a cpuset cgroup, None if the directory is missing."""
        values = []
        for name in ("cpus", "mems"):
            try:
                values.append(_read(f"{path}/cpuset.{name}").strip())
            except FileNotFoundError:
                if not os.path.isdir(path):
                    return None
                try:  # a cpuset hierarchy mounted with noprefix
                    values.append(_read(f"{path}/{name}").strip())
                except FileNotFoundError:
                    raise FsmrunError(f"cpuset: {path} is not in a cpuset cgroup hierarchy") from None
                except OSError as exc:
                    raise syscall_error("read", f"{path}/{name}", exc) from None
            except OSError as exc:
                raise syscall_error("read", f"{path}/cpuset.{name}", exc) from None
        return values[0], values[1]

    def _create_cpuset(self, path):
        """Create the cpuset cgroup, copying cpus/mems down into empty levels.

        A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems,
        and no task can join it until they are set: like runc, copy them from
        the nearest initialised ancestor into every level on the way.
        """
        chain = []
        current = path
        while True:
            state = self._cpuset_state(current)
            if state is not None and state[0] and state[1]:
                break
            chain.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                raise FsmrunError(f"cpuset: no initialised cpuset cgroup above {path}")
            current = parent
        cpus, mems = state
        for level in reversed(chain):
            try:
                os.mkdir(level, 0o755)
            except FileExistsError:
                pass
            except OSError as exc:
                raise syscall_error("mkdir", level, exc) from None
            prefix = f"{level}/cpuset."
            if not os.path.exists(prefix + "cpus"):
                prefix = f"{level}/"
            own_cpus, own_mems = self._cpuset_state(level)
            if not own_cpus:
                _write(prefix + "cpus", cpus)
            else:
                cpus = own_cpus
            if not own_mems:
                _write(prefix + "mems", mems)
            else:
                mems = own_mems

    def _create_v2(self, path):
        """Create a v2 cgroup, enabling in each ancestor's cgroup.subtree_control
        every controller it has (like runc, from the hierarchy root down; a
        controller that cannot be enabled is skipped: a limit that needs it
        fails later, naming the file)."""
        chain = [path]
        current = path
        while True:
            parent = os.path.dirname(current)
            if parent == current:
                break
            if os.path.exists(parent + "/cgroup.controllers"):
                chain.append(parent)
            elif os.path.isdir(parent):
                break  # left the cgroup2 filesystem: chain[-1] is its root
            else:
                chain.append(parent)
            current = parent
        top = chain[-1]
        if not os.path.exists(top + "/cgroup.controllers"):
            raise FsmrunError(f"cgroup: {path} is not inside a cgroup2 filesystem")
        for level in reversed(chain):
            if level != top:
                try:
                    os.mkdir(level, 0o755)
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise syscall_error("mkdir", level, exc) from None
            if level != path:
                self._enable_controllers(level)

    @staticmethod
    def _enable_controllers(level):
        try:
            available = _read(level + "/cgroup.controllers").split()
        except OSError:
            return
        if not available:
            return
        try:
            enabled = set(_read(level + "/cgroup.subtree_control").split())
        except OSError:
            enabled = set()
        missing = [c for c in available if c not in enabled]
        if not missing:
            return
        target = level + "/cgroup.subtree_control"
        try:
            _write_raw(target, " ".join("+" + c for c in missing))
        except OSError:
            for controller in missing:
                try:
                    _write_raw(target, "+" + controller)
                except OSError:
                    pass

    # -- limits -------------------------------------------------------------------

    def set_resources(self, resources):
        """Apply OCI linux.resources (memory, pids, cpu, hugepageLimits, unified).

        Every controller a setting needs is checked before the first write, so
        a missing one fails without half-applied limits.
        """
        if not resources:
            return
        if self.version == 1:
            writes = self._plan_v1_here(resources)
            for controller, _name, _value, field in writes:
                if controller not in self.paths:
                    raise FsmrunError(
                        f"cannot set linux.resources.{field}: the {controller} "
                        "cgroup controller is not mounted")
            for controller, name, value, field in writes:
                self._apply_v1(self.paths[controller], name, value)
            return
        base = self.paths[UNIFIED]
        for controller, name, value, field in _plan_v2(resources):
            target = f"{base}/{name}"
            try:
                _write_raw(target, value)
            except FileNotFoundError as exc:
                if name == "memory.swap.max" and value in ("max", "0"):
                    continue  # no swap accounting: nothing to limit
                err = _write_error(target, value, exc)
                raise FsmrunError(
                    f"cannot set linux.resources.{field}: {err.message}: the "
                    f"{controller} controller is not enabled for {base} "
                    "(see cgroup.subtree_control of its parent)", errno=err.errno) from None
            except OSError as exc:
                raise _write_error(target, value, exc) from None

    def _plan_v1_here(self, resources):
        memory = resources.get("memory") or {}
        current = None
        has_memsw = True
        mem_dir = self.paths.get("memory")
        if mem_dir is not None:
            if memory.get("limit") and memory.get("swap"):
                try:
                    current = int(_read(mem_dir + "/memory.limit_in_bytes"))
                except OSError as exc:
                    raise syscall_error("read", mem_dir + "/memory.limit_in_bytes", exc) from None
            if memory.get("limit") == -1 and not memory.get("swap"):
                has_memsw = os.path.exists(mem_dir + "/memory.memsw.limit_in_bytes")
        return _plan_v1(resources, current, has_memsw)

    @staticmethod
    def _apply_v1(path, name, value):
        target = f"{path}/{name}"
        try:
            _write_raw(target, value)
        except OSError as exc:
            err = _write_error(target, value, exc)
            if exc.errno == errno.EBUSY and name == "memory.limit_in_bytes":
                # The kernel could not reclaim down to the new limit.
                usage = peak = "?"
                try:
                    usage = _read(path + "/memory.usage_in_bytes").strip()
                    peak = _read(path + "/memory.max_usage_in_bytes").strip()
                except OSError:
                    pass
                err = FsmrunError(
                    f"{err.message}: unable to set memory limit to {value} "
                    f"(current usage: {usage}, peak usage: {peak})", errno=err.errno)
            raise err from None

    # -- processes -----------------------------------------------------------------

    def join(self, pid=0, skip=()):
        """Move process `pid` (0: the caller) into the cgroup in every hierarchy
        but those in `skip` (a process born in the v2 one need not move).

        On v1 the caller joins through `tasks` (it moves only the calling
        thread, so use it from a single-threaded process): that avoids the
        RCU grace period a cgroup.procs write can wait for.
        """
        text = str(pid)
        done = set()
        for key, path in self.paths.items():
            if path in done or key in skip:
                continue  # co-mounted controllers (cpu,cpuacct) share a directory
            done.add(path)
            if self.version == 1 and key != UNIFIED and pid == 0:
                name = "tasks"
            else:
                name = "cgroup.procs"
            self._write_pid(f"{path}/{name}", text)

    @staticmethod
    def _write_pid(target, text):
        for attempt in range(6):
            try:
                _write_raw(target, text)
                return
            except OSError as exc:
                # EINVAL can mean the task is still being forked (TASK_NEW).
                if exc.errno != errno.EINVAL or attempt == 5:
                    raise _write_error(target, text, exc) from None
            time.sleep(0.005)

    def pids(self):
        """Every process in the cgroup and its sub-cgroups, in any hierarchy."""
        found = set()
        for path in self._dirs:
            _collect_pids(path, found)
        return sorted(found)

    def exists(self):
        """Is any of its directories there (so `remove` still has work)?"""
        return any(os.path.isdir(path) for path in self._dirs)

    # -- freezer ---------------------------------------------------------------------

    def _freezer(self):
        """(1, dir) for a v1 freezer, (2, dir) for cgroup.freeze, (0, None): none."""
        if self.version == 1 and "freezer" in self.paths:
            return 1, self.paths["freezer"]
        if UNIFIED in self.paths:
            return 2, self.paths[UNIFIED]
        return 0, None

    def freeze(self, timeout=_FREEZE_TIMEOUT):
        """Freeze every process; return once the kernel says FROZEN."""
        kind, path = self._freezer()
        if kind == 0:
            raise FsmrunError("cgroup: cannot freeze: no freezer hierarchy (v1) and no cgroup2 directory")
        if kind == 1:
            self._freeze_v1(path, timeout)
        else:
            self._freeze_v2(path, timeout)

    def thaw(self, timeout=_THAW_TIMEOUT):
        """Thaw; return once the kernel says THAWED.  No freezer: nothing to do."""
        kind, path = self._freezer()
        if kind == 0:
            return
        deadline = time.monotonic() + timeout
        delay = 0.0005
        if kind == 1:
            target = path + "/freezer.state"
            try:
                _write_raw(target, "THAWED")
            except FileNotFoundError:
                if not os.path.isdir(path):
                    return  # not there: nothing is frozen
                raise syscall_error("open", target, errno.ENOENT) from None
            except OSError as exc:
                raise _write_error(target, "THAWED", exc) from None
            while True:
                state = self._read_state(target)
                if state == "THAWED":
                    return
                if state == "FROZEN" and self._self_freezing(path) is False:
                    raise FsmrunError(f"thaw {path}: frozen by an ancestor cgroup")
                if time.monotonic() >= deadline:
                    raise FsmrunError(f"thaw {path}: freezer.state still {state} after {timeout:g}s")
                delay = _sleep_backoff(delay)
        target = path + "/cgroup.freeze"
        try:
            _write_raw(target, "0")
        except FileNotFoundError:
            return  # not there, or no v2 freezer in this kernel: nothing is frozen
        except OSError as exc:
            raise _write_error(target, "0", exc) from None
        while self._v2_frozen(path):
            if time.monotonic() >= deadline:
                raise FsmrunError(f"thaw {path}: still frozen after {timeout:g}s (an ancestor cgroup is frozen?)")
            delay = _sleep_backoff(delay)

    def is_frozen(self):
        """Is the cgroup itself frozen (or freezing)?  Not: is an ancestor."""
        kind, path = self._freezer()
        if kind == 0:
            return False
        if kind == 1:
            target = path + "/freezer.state"
            deadline = time.monotonic() + 1.0
            while True:
                try:
                    state = _read(target).strip()
                except FileNotFoundError:
                    return False
                except OSError as exc:
                    if exc.errno == errno.ENODEV:
                        return False
                    raise syscall_error("read", target, exc) from None
                if state == "THAWED":
                    return False
                if state == "FROZEN":
                    return self._self_freezing(path) is not False
                if time.monotonic() >= deadline:
                    return True  # stuck FREEZING: asked to freeze, so paused
                time.sleep(0.001)
        try:
            return _read(path + "/cgroup.freeze").strip() == "1"
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENODEV):
                return False
            raise syscall_error("read", path + "/cgroup.freeze", exc) from None

    @staticmethod
    def _read_state(target):
        try:
            return _read(target).strip()
        except OSError as exc:
            raise syscall_error("read", target, exc) from None

    @staticmethod
    def _self_freezing(path):
        try:
            return _read(path + "/freezer.self_freezing").strip() == "1"
        except OSError:
            return None

    def _freeze_v1(self, path, timeout):
        # The v1 freezer can stay FREEZING while tasks keep forking or
        # joining; as runc does, keep writing FROZEN, and now and then thaw
        # and pause to let the stragglers settle.
        target = path + "/freezer.state"
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            _write(target, "FROZEN")
            state = self._read_state(target)
            if state == "FROZEN":
                return
            if state != "FREEZING":
                self._thaw_quietly(target, "THAWED")
                raise FsmrunError(f"freeze {path}: unexpected freezer.state {state!r}")
            attempt += 1
            if time.monotonic() >= deadline:
                self._thaw_quietly(target, "THAWED")
                raise FsmrunError(
                    f"freeze {path}: still FREEZING after {timeout:g}s "
                    "(processes keep appearing?); thawed it back")
            if attempt % 50 == 49:
                self._thaw_quietly(target, "THAWED")
                time.sleep(0.01)
            elif attempt > 10:
                time.sleep(0.001)

    def _freeze_v2(self, path, timeout):
        target = path + "/cgroup.freeze"
        try:
            _write_raw(target, "1")
        except FileNotFoundError:
            if os.path.isdir(path):
                raise FsmrunError(f"freeze {path}: no cgroup.freeze (the v2 freezer needs Linux 5.2)") from None
            raise syscall_error("open", target, errno.ENOENT) from None
        except OSError as exc:
            raise _write_error(target, "1", exc) from None
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while not self._v2_frozen(path):
            if time.monotonic() >= deadline:
                self._thaw_quietly(target, "0")
                raise FsmrunError(f"freeze {path}: not frozen after {timeout:g}s; thawed it back")
            delay = _sleep_backoff(delay)

    @staticmethod
    def _v2_frozen(path):
        target = path + "/cgroup.events"
        try:
            text = _read(target)
        except OSError as exc:
            raise syscall_error("read", target, exc) from None
        return _keyed_value(text, "frozen") == 1

    @staticmethod
    def _thaw_quietly(target, value):
        try:
            _write_raw(target, value)
        except OSError:
            pass

    # -- killing and removing ------------------------------------------------------------

    def kill_all(self, sig=9):
        """Send `sig` to every process in the cgroup (and sub-cgroups).

        v2 and SIGKILL: one write to cgroup.kill (Linux 5.14).  Otherwise
        freeze, signal every pid, thaw (a paused cgroup stays frozen unless
        the signal is SIGKILL, which needs a thaw to be delivered).  With no
        freezer, signal again while new pids appear (forks racing the kill).
        """
        if self.version == 2 and sig == 9:
            path = self.paths[UNIFIED]
            target = path + "/cgroup.kill"
            try:
                _write_raw(target, "1")
                return
            except FileNotFoundError:
                if not os.path.isdir(path):
                    return
                # an older kernel without cgroup.kill: freeze and signal
            except OSError as exc:
                raise _write_error(target, "1", exc) from None
        if not self.exists():
            return
        froze = was_frozen = False
        if self._freezer()[0]:
            try:
                was_frozen = self.is_frozen()
                self.freeze()
                froze = True
            except FsmrunError:
                froze = False  # signal anyway, like runc
        me = os.getpid()
        try:
            signalled = set()
            for _round in range(100):
                new = [pid for pid in self.pids() if pid != me and pid not in signalled]
                if not new:
                    break
                for pid in new:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                    except OSError as exc:
                        raise syscall_error("kill", str(pid), exc) from None
                signalled.update(new)
                if froze:
                    break  # frozen tasks cannot fork: one pass is all
        finally:
            if froze and (sig == 9 or not was_frozen):
                self.thaw()

    def remove(self, timeout=5.0):
        """rmdir the cgroup in every hierarchy, sub-cgroups first.

        EBUSY (tasks still exiting) is retried until `timeout`; a directory
        that is not there is fine, so remove is idempotent.  Every hierarchy
        is tried; the first failure is raised at the end.
        """
        deadline = time.monotonic() + timeout
        first = None
        for path in sorted(self._dirs, key=len, reverse=True):
            try:
                _remove_tree(path, deadline, timeout)
            except FsmrunError as err:
                if first is None:
                    first = err
        if first is not None:
            raise first

    def oom_kill_count(self):
        """How many processes the OOM killer killed in the cgroup (0 if unknown)."""
        if self.version == 1 and "memory" in self.paths:
            target, key = self.paths["memory"] + "/memory.oom_control", "oom_kill"
        elif UNIFIED in self.paths:
            target, key = self.paths[UNIFIED] + "/memory.events", "oom_kill"
        else:
            return 0
        try:
            text = _read(target)
        except OSError:
            return 0
        return _keyed_value(text, key) or 0
