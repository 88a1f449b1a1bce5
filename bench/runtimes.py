"""Invoking a runtime once and measuring it; finding the runtimes.

Every measured command is started with posix_spawn and collected with
wait4, so one call yields its wall time, its CPU time and its peak RSS.
wait4 reports the process together with the children it reaped itself
(the kernel's RUSAGE_BOTH): runc's `runc init` stages are reaped by runc and
count for it; a container init that outlives its runtime does not (see
`wait_exit`).

Peak RSS needs care: the kernel carries the peak of the memory a process had
before exec into its ru_maxrss, and a child of this Python process starts
with (posix_spawn: shares) our 17 MiB. So a call that measures peak RSS is
forked by `setsid -f` (1.5 MiB), which exits at once without reaping it: the
runtime, orphaned, comes to us (we are a subreaper) and wait4 reports its own
peak. (A shell's `cmd &` would do, but a shell may reap a quick child.)
"""

import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass

DEVNULL = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)

# crun 1.8 refuses a hybrid cgroup layout (v1 controllers plus a v2 mount at
# .../unified); in a private mount namespace without that mount it runs.
UNIFIED = "/sys/fs/cgroup/unified"
CRUN_WRAPPER = ["unshare", "-m", "sh", "-c", f'umount {UNIFIED} && exec "$0" "$@"']


class BenchError(Exception):
    pass


@dataclass
class Call:
    wall_ms: float
    cpu_ms: float                   # user + sys, with the children it reaped
    maxrss_mib: float | None = None  # peak RSS, measured only when asked for
    out: str = ""


def _cpu_ms(rusage):
    return (rusage.ru_utime + rusage.ru_stime) * 1000


def invoke(argv, capture=False, rss=False, env=None):
    """Run argv to completion with stdio on /dev/null (or a file for stdout).

    Never a pipe: a container init inherits the runtime's stdio, and a pipe
    would make the caller wait for the container, not for the runtime.
    Files are opened before the clock starts, so the timed span is spawn,
    run and reap only. With rss=True the call goes through `setsid -f` and
    a shell that tells its pid and execs (see above): its peak RSS is right,
    its times include those two.
    """
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        actions = [(os.POSIX_SPAWN_DUP2, DEVNULL, 0),
                   (os.POSIX_SPAWN_DUP2, out.fileno() if capture else DEVNULL, 1),
                   (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        path, args = argv[0], argv
        if rss:
            pid_r, pid_w = os.pipe()
            actions.append((os.POSIX_SPAWN_DUP2, pid_w, 3))
            path, args = _setsid(), ["setsid", "-f", "/bin/sh", "-c",
                                     'echo $$ >&3; exec "$@" 3>&-', "sh", *argv]
        start = time.perf_counter()
        pid = os.posix_spawn(path, args, env or os.environ, file_actions=actions)
        if rss:
            os.close(pid_w)
            _wait(pid)  # setsid, which exits as soon as it has forked
            pid = int(_read_to_end(pid_r))  # end: the runtime's exec closed it
        _, status, rusage = _wait(pid)
        wall = (time.perf_counter() - start) * 1000
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise BenchError(f"{shlex.join(argv)}: exit {code}: "
                             f"{err.read().decode(errors='replace').strip()}")
        out.seek(0)
        return Call(wall, _cpu_ms(rusage), rusage.ru_maxrss / 1024 if rss else None,
                    out.read().decode() if capture else "")


def _setsid():
    return resolve("setsid")[0]


def _read_to_end(fd):
    data = b""
    while chunk := os.read(fd, 64):
        data += chunk
    os.close(fd)
    return data


def _wait(pid):
    try:
        return os.wait4(pid, 0)
    except KeyboardInterrupt:
        # let the call finish (or die of the same Ctrl-C) before the clean-up
        # runs, or it would race with a runtime still writing its state
        os.wait4(pid, 0)
        raise


def wait_exit(pid):
    """Wait for a container's init to exit: (ms waited, its CPU ms or None).

    The benchmark is a child subreaper (as an engine's shim is), so an init
    whose runtime exited is our child: wait4 reaps it and reports its own
    CPU, from its fork to its exit. Otherwise wait on a pidfd, CPU unknown.
    """
    start = time.perf_counter()
    try:
        _, _, rusage = os.wait4(pid, 0)
        cpu = _cpu_ms(rusage)
    except ChildProcessError:
        import select
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            fd = None
        if fd is not None:
            select.select([fd], [], [])
            os.close(fd)
        cpu = None
    return (time.perf_counter() - start) * 1000, cpu


class Runtime:
    """One runtime: its command line and its private --root."""

    def __init__(self, name, argv, root, note="", env=None):
        self.name = name
        self.argv = argv
        self.root = root
        self.note = note
        self.env = env

    def call(self, *args, capture=False, rss=False):
        return invoke([*self.argv, "--root", self.root, *args],
                      capture=capture, rss=rss, env=self.env)

    def version(self):
        try:
            return invoke([*self.argv, "--version"], capture=True, env=self.env).out.splitlines()[0]
        except (BenchError, IndexError):
            return "unknown"


def resolve(command):
    """argv for a command, its program made absolute (posix_spawn wants a path)."""
    argv = shlex.split(command)
    path = shutil.which(argv[0])
    if path is None:
        raise BenchError(f"{argv[0]}: not found")
    return [path, *argv[1:]]


def default_fsmrun():
    """The installed `fsmrun` console script itself, as an engine would run it.

    On PATH here it is a pyenv shim (a bash script around `pyenv exec`, +50 ms
    a call): ask pyenv for the real script behind it.
    """
    path = shutil.which("fsmrun")
    if path is None:
        raise BenchError("fsmrun is not on PATH: install it, or pass --fsmrun CMD")
    with open(path, "rb") as f:
        head = f.read(512)
    if b"pyenv" in head:
        real = subprocess.run(["pyenv", "which", "fsmrun"], capture_output=True, text=True)
        if real.returncode == 0 and real.stdout.strip():
            return [real.stdout.strip()]
    return [path]


def fsmrun_argv(command=None):
    return resolve(command) if command else default_fsmrun()


def crun_argv():
    """crun's argv, wrapped when the cgroup layout is hybrid; None if absent."""
    path = shutil.which("crun")
    if path is None:
        return None, "crun is not installed"
    if os.path.ismount(UNIFIED):
        return [resolve("unshare")[0], *CRUN_WRAPPER[1:], path], (
            "run as `unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec crun ...'` "
            "(crun 1.8 refuses the hybrid cgroup layout): its numbers include that wrapper")
    return [path], ""


def python_env(workdir):
    """fsmrun's environment: bytecode cached (under the work directory, so
    the source tree is not touched), as an installed package has it. Without
    it, PYTHONDONTWRITEBYTECODE (set in some shells) makes every call compile
    every module it imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(workdir, "pycache")
    return env


def make_runtimes(names, fsmrun_command, workdir, keep_env=False):
    """({name: Runtime}, {name: why it is unavailable})."""
    runtimes, unavailable = {}, {}
    for name in names:
        root = os.path.join(workdir, f"root-{name}")
        if name == "fsmrun":
            argv = fsmrun_argv(fsmrun_command)
            note = "" if keep_env else (
                "bytecode cached: PYTHONPYCACHEPREFIX in the work directory, "
                "no PYTHONDONTWRITEBYTECODE (--keep-env: the environment as it is)")
            runtimes[name] = Runtime(name, argv, root, note,
                                     None if keep_env else python_env(workdir))
        elif name == "runc":
            runtimes[name] = Runtime(name, resolve("runc"), root)
        elif name == "crun":
            argv, note = crun_argv()
            if argv is None:
                unavailable[name] = note
            else:
                runtimes[name] = Runtime(name, argv, root, note)
        else:
            raise BenchError(f"unknown runtime {name!r} (fsmrun, runc, crun)")
    return runtimes, unavailable


def overheads(rounds, crun_wrapped):
    """What a bare spawn of /bin/true costs, for scale, and the crun wrapper
    around it, which crun's numbers include."""
    true = resolve("true")
    cases = {"spawn /bin/true": true}
    if crun_wrapped:
        cases["crun wrapper around /bin/true"] = [resolve("unshare")[0], *CRUN_WRAPPER[1:], true[0]]
    out = {}
    for label, argv in cases.items():
        calls = [invoke(argv) for _ in range(rounds)]
        out[label] = {"wall_ms": statistics.median(c.wall_ms for c in calls),
                      "cpu_ms": statistics.median(c.cpu_ms for c in calls),
                      "maxrss_mib": invoke(argv, rss=True).maxrss_mib}
    return out
