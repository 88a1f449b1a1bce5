"""What one round measures on one runtime.

A routine drives containers through the runtime and returns {metric: value}
(keys as in report.METRICS). Several scenarios can share a routine: the
separate-invocation lifecycle gives (b) its wall times and (f) its CPU times.
"""

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

from bench.runtimes import BenchError, wait_exit

TRUE = ["true"]
SLEEP = ["sleep", "1000"]


class Bundle:
    """The one bundle all runtimes use; routines set process.args."""

    def __init__(self, path):
        self.path = path
        self.config_path = os.path.join(path, "config.json")
        with open(self.config_path) as f:
            self.config = json.load(f)

    def use(self, args):
        if self.config["process"]["args"] != args:
            self.config["process"]["args"] = args
            with open(self.config_path, "w") as f:
                json.dump(self.config, f, indent=2)


def _create(rt, bundle, cid, rss=False):
    """create with a pid file: (the call, the init's pid)."""
    pid_file = os.path.join(os.path.dirname(rt.root), f"{cid}.pid")
    call = rt.call("create", "--bundle", bundle.path, "--pid-file", pid_file, cid, rss=rss)
    with open(pid_file) as f:
        pid = int(f.read())
    os.unlink(pid_file)
    return call, pid


def _lifecycle(rt, bundle, cid):
    """create, start, wait for the exit, delete: four steps, each timed."""
    create, pid = _create(rt, bundle, cid)
    start = rt.call("start", cid)
    exit_ms, init_cpu = wait_exit(pid)
    delete = rt.call("delete", cid)
    return create, start, exit_ms, delete, init_cpu


def _smaps(pid):
    """(RSS, PSS) in MiB, from /proc/<pid>/smaps_rollup."""
    found = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                found[key] = int(rest.split()[0]) / 1024
    return found["Rss"], found["Pss"]


def run_true(rt, bundle, cid, opts):
    """(a) `run` of /bin/true, to its exit and the container's deletion."""
    bundle.use(TRUE)
    run = rt.call("run", "--bundle", bundle.path, cid)
    return {"a.run": run.wall_ms, "f.cpu_run": run.cpu_ms}


def lifecycle(rt, bundle, cid, opts):
    """(b) and (f): create, start, exit, delete as separate invocations."""
    bundle.use(TRUE)
    create, start, exit_ms, delete, init_cpu = _lifecycle(rt, bundle, cid)
    calls = (create, start, delete)
    out = {"b.create": create.wall_ms, "b.start": start.wall_ms, "b.exit": exit_ms,
           "b.delete": delete.wall_ms, "b.total": sum(c.wall_ms for c in calls) + exit_ms,
           "f.cpu_calls": sum(c.cpu_ms for c in calls)}
    if init_cpu is not None:
        out["f.cpu_init"] = init_cpu
        out["f.cpu_total"] = out["f.cpu_calls"] + init_cpu
    return out


def waiting(rt, bundle, cid, opts):
    """(c) create a container that waits in `created`, then delete it."""
    bundle.use(SLEEP)
    create, pid = _create(rt, bundle, cid)
    state = rt.call("state", cid, capture=True)
    delete = rt.call("delete", "--force", cid)
    wait_exit(pid)
    status = json.loads(state.out)["status"]
    if status != "created":
        raise BenchError(f"{rt.name} state {cid}: {status!r} after create, not 'created'")
    return {"c.create": create.wall_ms, "c.state": state.wall_ms, "c.delete": delete.wall_ms,
            "c.total": create.wall_ms + delete.wall_ms}


def memory(rt, bundle, cid, opts):
    """(e) peak RSS of each verb; the init's memory while it waits in `created`.
    Every call here measures its peak RSS, so its times are not used."""
    bundle.use(TRUE)
    run = rt.call("run", "--bundle", bundle.path, cid + "r", rss=True)
    bundle.use(SLEEP)
    create, pid = _create(rt, bundle, cid, rss=True)
    rss, pss = _smaps(pid)
    state = rt.call("state", cid, rss=True)
    start = rt.call("start", cid, rss=True)
    delete = rt.call("delete", "--force", cid, rss=True)
    wait_exit(pid)
    return {"e.rss_run": run.maxrss_mib, "e.rss_create": create.maxrss_mib,
            "e.rss_state": state.maxrss_mib, "e.rss_start": start.maxrss_mib,
            "e.rss_delete": delete.maxrss_mib, "e.init_rss": rss, "e.init_pss": pss}


def concurrent(rt, bundle, cid, opts):
    """(d) N containers created, started, exited and deleted at once."""
    bundle.use(TRUE)
    n = opts.concurrency
    start = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        # list() so that the first failure is raised here
        list(pool.map(lambda i: _lifecycle(rt, bundle, f"{cid}{i}"), range(n)))
    return {"d.rate": n / (time.perf_counter() - start)}


# routine -> the scenarios it serves; a round runs a routine if any is asked for
ROUTINES = [
    (run_true, "af"),
    (lifecycle, "bf"),
    (waiting, "c"),
    (concurrent, "d"),
    (memory, "e"),
]
