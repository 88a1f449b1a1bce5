"""`linux.maskedPaths`: a directory gets a read-only tmpfs over it, anything
else /dev/null bound over it, as runc does.  The container's /dev/null is
checked first: it must be the null character device (1, 3) itself, not a
symlink or another file the rootfs put there (runc CVE-2025-31133), and it
is bound through the very fd that was checked.  Paths are resolved inside
the new root; one that does not exist is skipped.  Undo: it all lives in the
init's mount namespace."""

import os
import stat

from fsmrun.runtime import linux as L
from fsmrun.runtime import rootpath
from fsmrun.runtime.errors import FsmrunError, syscall_error
from fsmrun.steps.readonly_paths import each_path

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
AFTER = ("pivot_root",)
_NULL = os.makedev(1, 3)


def apply(ctx, record):
    null = []  # the checked fd on /dev/null, opened on the first file to mask

    def mask(root_fd, path, fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            try:
                L.mount("tmpfs", rootpath.fd_path(fd), "tmpfs", L.MS_RDONLY)
            except OSError as exc:
                raise syscall_error("mount tmpfs (masked path)", path, exc) from None
            return
        if not null:
            null.append(open_null(root_fd))
        try:
            L.mount(rootpath.fd_path(null[0]), rootpath.fd_path(fd), None, L.MS_BIND)
        except OSError as exc:
            raise syscall_error("mount --bind /dev/null (masked path)", path, exc) from None

    try:
        each_path(ctx, record, "maskedPaths", mask)
    finally:
        for fd in null:
            os.close(fd)


def open_null(root_fd):
    """An O_PATH fd on the container's /dev/null, verified to be the null
    device (the last component is not followed)."""
    try:
        fd = L.openat2(root_fd, "dev/null", os.O_PATH | os.O_NOFOLLOW,
                       L.RESOLVE_IN_ROOT | L.RESOLVE_NO_MAGICLINKS)
    except OSError as exc:
        raise syscall_error("open", "/dev/null (to mask paths)", exc) from None
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or st.st_rdev != _NULL:
        os.close(fd)
        raise FsmrunError(f"/dev/null in the container is {_describe(st)}, not the null "
                          "device (1, 3): refusing to bind it over masked paths")
    return fd


def _describe(st):
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a character" if stat.S_ISCHR(mode) else "a block"
        return f"{kind} device ({os.major(st.st_rdev)}, {os.minor(st.st_rdev)})"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a device"


def undo(ctx, record):
    pass
