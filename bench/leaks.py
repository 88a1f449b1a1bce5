"""What a round may leave behind, and taking it away.

After each round: no state directory under any runtime's --root, no cgroup
directory named with this run's id prefix, no new mount under the work
directory, and no container process (one whose /proc/<pid>/root is not "/")
that was not there at the start and is ours. Others may run containers on
the same machine: a process is ours if it is our child (the benchmark is a
subreaper, so every orphaned init comes to it) or sits in a cgroup named with
our prefix.
"""

import os
import signal
import time

CGROUP_ROOT = "/sys/fs/cgroup"


def container_processes():
    """{pid: parent pid} of the processes whose root is not the host's."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/root") == "/":
                continue
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # gone, or a zombie
            continue
        found[int(name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
    return found


def _in_our_cgroup(pid, prefix):
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            return prefix in f.read()
    except OSError:
        return False


def cgroup_dirs(prefix):
    found = []
    for hierarchy in os.listdir(CGROUP_ROOT):
        for dirpath, dirnames, _ in os.walk(os.path.join(CGROUP_ROOT, hierarchy)):
            found += [os.path.join(dirpath, d) for d in dirnames if d.startswith(prefix)]
    return found


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return {line.split()[4] for line in f if line.split()[4].startswith(path)}


def state_dirs(root):
    if not os.path.isdir(root):
        return []
    return [name for name in os.listdir(root) if not name.startswith(".")]


class LeakChecker:
    def __init__(self, prefix, workdir):
        self.prefix = prefix
        self.workdir = workdir
        self.processes_before = set(container_processes())
        self.mounts_before = mounts_under(workdir)

    def our_processes(self):
        me = os.getpid()
        return sorted(pid for pid, ppid in container_processes().items()
                      if pid not in self.processes_before
                      and (ppid == me or _in_our_cgroup(pid, self.prefix)))

    def find(self, runtimes):
        """{what: [leftovers]}; empty if nothing leaked. A process killed a
        moment ago may still be exiting: look again for up to a second."""
        reap_children()
        for _ in range(20):
            leaks = {"processes": self.our_processes(),
                     "cgroups": cgroup_dirs(self.prefix),
                     "mounts": sorted(mounts_under(self.workdir) - self.mounts_before)}
            for rt in runtimes:
                leaks[f"state of {rt.name}"] = state_dirs(rt.root)
            leaks = {k: v for k, v in leaks.items() if v}
            if not leaks:
                return {}
            time.sleep(0.05)
            reap_children()
        return leaks

    def clean(self, runtimes):
        """Take away whatever is left: delete --force, kill, reap, rmdir."""
        for rt in runtimes:
            for name in state_dirs(rt.root):
                try:
                    rt.call("delete", "--force", name)
                except Exception:  # noqa: BLE001 - clean what can be cleaned
                    pass
        for pid in self.our_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        reap_children()
        # deepest first: a parent cgroup cannot go while it has children
        for path in sorted(cgroup_dirs(self.prefix), key=len, reverse=True):
            try:
                os.rmdir(path)
            except OSError:
                pass


def reap_children():
    """Collect exited children: orphaned inits that came to us as subreaper.
    Only called when no runtime invocation is in flight, so it cannot take
    the exit status (and rusage) a measurement is waiting for."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
