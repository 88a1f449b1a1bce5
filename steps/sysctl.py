"""`linux.sysctl`: each value written under the container's own /proc/sys.

The key (`net.ipv4.ip_forward`) becomes a path under /proc/sys; one with a
`/` or an empty or `..` component is refused, and so is a key of no
namespace the container has of its own (a `net.*` key without a network
namespace would set the host's: runc refuses the same).  The file is opened
from an fd on the container's /proc, resolved beneath it without crossing
a mount, and both are checked to be procfs (fstatfs PROC_SUPER_MAGIC): a
rootfs cannot send the write elsewhere by mounting or linking over /proc
(runc CVE-2025-52881).  It runs before readonly_paths makes /proc/sys
read-only, as in runc.  Writing the same values again changes nothing.
"""

import ctypes
import os

from fsmrun.runtime import linux as L
from fsmrun.runtime import rootpath
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # the values live in the container's namespaces
AFTER = ("pivot_root",)
PROC_SUPER_MAGIC = 0x9FA0
_libc = ctypes.CDLL(None, use_errno=True)
_libc.fstatfs.argtypes = [ctypes.c_int, ctypes.c_void_p]

# keys of the IPC namespace (runc's list); net.* is the network namespace's,
# kernel.hostname and kernel.domainname the UTS namespace's
_IPC_KEYS = frozenset({"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                       "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                       "kernel.shm_rmid_forced"})


def namespace_of(key):
    if key in _IPC_KEYS or key.startswith("fs.mqueue."):
        return "ipc"
    if key.startswith("net."):
        return "network"
    if key in ("kernel.hostname", "kernel.domainname"):
        return "uts"
    return None


def check_key(key, namespaces):
    """The path under /proc/sys of a valid key, else FsmrunError."""
    parts = key.split(".")
    if "/" in key or any(p in ("", "..") for p in parts):
        raise FsmrunError(f"sysctl {key!r}: not a valid key (dots separate its parts; "
                          "no '/', empty or '..' part)")
    ns = namespace_of(key)
    if ns is None:
        raise FsmrunError(f"sysctl {key}: not in a namespace of the container's own, "
                          "it would change the host")
    if ns not in namespaces:
        raise FsmrunError(f"sysctl {key}: needs a {ns} namespace of the container's own "
                          "(it would change the host's)")
    return "sys/" + "/".join(parts)


def apply(ctx, record):
    sysctls = ctx.linux.get("sysctl") or {}
    if not sysctls:
        return
    namespaces = ctx.namespaces()
    paths = {key: check_key(key, namespaces) for key in sysctls}
    root_fd = rootpath.open_root("/")
    try:
        try:
            proc_fd = rootpath.open_in_root(root_fd, "/proc")
        except OSError as exc:
            raise syscall_error("sysctl: open", "/proc", exc) from None
    finally:
        os.close(root_fd)
    try:
        _check_procfs(proc_fd, "/proc", "sysctl")
        for key, value in sysctls.items():
            write(proc_fd, key, paths[key], str(value))
    finally:
        os.close(proc_fd)


def write(proc_fd, key, path, value):
    where = f"sysctl {key}: write"
    try:
        fd = L.openat2(proc_fd, path, os.O_WRONLY | os.O_NOFOLLOW,
                       L.RESOLVE_BENEATH | L.RESOLVE_NO_XDEV | L.RESOLVE_NO_SYMLINKS
                       | L.RESOLVE_NO_MAGICLINKS)
    except OSError as exc:
        raise syscall_error(where, f"/proc/{path}", exc) from None
    try:
        _check_procfs(fd, f"/proc/{path}", f"sysctl {key}")
        data = value.encode()
        if os.write(fd, data) != len(data):
            raise FsmrunError(f"{where} /proc/{path}: short write")
    except OSError as exc:
        raise syscall_error(where, f"/proc/{path}", exc) from None
    finally:
        os.close(fd)


def _check_procfs(fd, path, what):
    buf = ctypes.create_string_buffer(256)  # struct statfs; f_type comes first
    if _libc.fstatfs(fd, buf) < 0:
        err = ctypes.get_errno()
        raise syscall_error(f"{what}: fstatfs", path, err)
    if ctypes.c_long.from_buffer(buf).value != PROC_SUPER_MAGIC:
        raise FsmrunError(f"{what}: {path} is not procfs: refusing to write through it")


def undo(ctx, record):
    pass
