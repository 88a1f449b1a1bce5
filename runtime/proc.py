"""Processes named by pid and start time, signalled through pidfds.

A pid alone can be reused; the pair (pid, start time from
/proc/<pid>/stat) cannot.  Signals go through a pidfd opened after the start
time was checked, so a process that exits and whose pid is reused between the
check and the signal is never hit.
"""

import os
import select

try:
    from _signal import pidfd_send_signal
except ImportError:  # pragma: no cover - Linux before 5.1
    pidfd_send_signal = None


def stat_fields(pid):
    """(state letter, start time) of a process, or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name may hold spaces and parentheses: split after the last ')'
    rest = data[data.rindex(b")") + 2:].split()
    return rest[0].decode(), int(rest[19])


def start_time(pid):
    fields = stat_fields(pid)
    return fields[1] if fields else None


def is_alive(pid, started):
    """True if the process (pid, start time) exists and is not a zombie."""
    if not pid:
        return False
    fields = stat_fields(pid)
    if fields is None:
        return False
    state, start = fields
    if started is not None and start != started:
        return False
    return state not in ("Z", "X", "x")


def open_pidfd(pid, started):
    """A pidfd for the process, or None if it is gone (or the pid was reused)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return None
    # the start time is read after the pidfd exists: a match now means the
    # pidfd refers to the process we recorded
    if started is not None and start_time(pid) != started:
        os.close(fd)
        return None
    return fd


def signal(pid, started, sig):
    """Send `sig`; False if the process is gone."""
    fd = open_pidfd(pid, started)
    if fd is None:
        return False
    try:
        pidfd_send_signal(fd, sig)
        return True
    except ProcessLookupError:
        return False
    finally:
        os.close(fd)


def wait_exit(pidfd, timeout):
    """Wait until the process behind `pidfd` has exited; True if it did."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else int(timeout * 1000)))


def kill_and_wait(pid, started, timeout=10.0):
    """SIGKILL the process and wait for it to exit (reaping it if it is ours)."""
    fd = open_pidfd(pid, started)
    if fd is None:
        return True
    try:
        try:
            pidfd_send_signal(fd, 9)
        except ProcessLookupError:
            pass
        exited = wait_exit(fd, timeout)
    finally:
        os.close(fd)
    reap(pid)
    return exited


def reap(pid):
    """Collect the exit status if the process is our child; harmless otherwise."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def exit_code(status):
    """A shell's exit code for a wait status: the code, or 128 + signal."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)
