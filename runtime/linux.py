"""The Linux system calls Python 3.11's os module lacks, through ctypes.

Each wrapper raises OSError with the errno, so callers can name the call and
the path in the error they give the user (see errors.syscall_error).
"""

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)

# namespace clone flags
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

NAMESPACE_FLAGS = {
    "mount": CLONE_NEWNS,
    "cgroup": CLONE_NEWCGROUP,
    "uts": CLONE_NEWUTS,
    "ipc": CLONE_NEWIPC,
    "user": CLONE_NEWUSER,
    "pid": CLONE_NEWPID,
    "network": CLONE_NEWNET,
}
# the name of each namespace under /proc/<pid>/ns/
NAMESPACE_PROC_NAMES = {
    "mount": "mnt", "cgroup": "cgroup", "uts": "uts", "ipc": "ipc",
    "user": "user", "pid": "pid", "network": "net",
}

# mount flags
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_SYNCHRONOUS = 16
MS_REMOUNT = 32
MS_MANDLOCK = 64
MS_DIRSYNC = 128
MS_NOSYMFOLLOW = 256
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_SILENT = 32768
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
MS_LAZYTIME = 1 << 25

MNT_DETACH = 2
MNT_EXPIRE = 4
UMOUNT_NOFOLLOW = 8

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36

SYS_pivot_root = 155
SYS_setns = 308
SYS_openat2 = 437

_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                        ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong, ctypes.c_ulong]
_libc.syscall.restype = ctypes.c_long


def _check(result, *args):
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), *args)
    return result


def _b(value):
    if value is None:
        return None
    return value if isinstance(value, bytes) else os.fsencode(value)


def mount(source, target, fstype, flags=0, data=None):
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), target)


def umount2(target, flags=0):
    _check(_libc.umount2(_b(target), flags), target)


def unshare(flags):
    _check(_libc.unshare(flags))


def setns(fd, nstype=0):
    _check(_libc.syscall(SYS_setns, ctypes.c_int(fd), ctypes.c_int(nstype)))


def pivot_root(new_root, put_old):
    _check(_libc.syscall(SYS_pivot_root, _b(new_root), _b(put_old)), new_root)


def sethostname(name):
    raw = _b(name)
    _check(_libc.sethostname(raw, len(raw)))


def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    return _check(_libc.prctl(option, arg2, arg3, arg4, arg5))


# openat2(2) resolve flags
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64)]


def openat2(dirfd, path, flags, resolve, mode=0):
    how = _OpenHow(flags | os.O_CLOEXEC, mode, resolve)
    return _check(_libc.syscall(SYS_openat2, ctypes.c_int(dirfd), _b(path),
                                ctypes.byref(how), ctypes.c_size_t(ctypes.sizeof(how))),
                  path)


# clone3(2): a fork straight into a cgroup v2 directory (and a new PID
# namespace) with no migration afterwards.  Moving a process into a cgroup2
# cgroup by writing cgroup.procs waits for an RCU grace period (27 ms here);
# being born there costs nothing.
SYS_clone3 = 435
CLONE_INTO_CGROUP = 0x200000000
_SIGCHLD = 17


class _CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack",
        "stack_size", "tls", "set_tid", "set_tid_size", "cgroup")]


# the GIL stays held across the call, as os.fork holds it
_pysyscall = ctypes.PyDLL(None, use_errno=True).syscall
_pysyscall.restype = ctypes.c_long


def fork_into(flags=0, cgroup_fd=-1):
    """fork() with clone flags and, if `cgroup_fd` >= 0, born in that cgroup2
    directory.  Returns like os.fork; OSError if the kernel refuses (callers
    fall back to os.fork)."""
    args = _CloneArgs(flags=flags | (CLONE_INTO_CGROUP if cgroup_fd >= 0 else 0),
                      exit_signal=_SIGCHLD, cgroup=max(cgroup_fd, 0))
    api = ctypes.pythonapi
    api.PyOS_BeforeFork()
    pid = _pysyscall(ctypes.c_long(SYS_clone3), ctypes.byref(args),
                     ctypes.c_size_t(ctypes.sizeof(args)))
    if pid == 0:
        api.PyOS_AfterFork_Child()
        return 0
    err = ctypes.get_errno() if pid < 0 else 0
    api.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(err or 22, os.strerror(err or 22))
    return pid
