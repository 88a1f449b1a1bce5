"""`linux.readonlyPaths`: each path bound onto itself, then remounted
read-only (runc's way), keeping the nosuid/nodev/noexec flags of the mount
it was on (a remount that drops a locked flag is refused).  Paths are
resolved inside the new root, so a symlink cannot lead out, and mounted
through file descriptors; a path that does not exist is skipped (as runc
does).  Undo: it all lives in the init's mount namespace."""

import os

from fsmrun.runtime import linux as L
from fsmrun.runtime import rootpath
from fsmrun.runtime.errors import syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
AFTER = ("pivot_root",)
_KEEP = L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC  # statvfs ST_* bits are the MS_* bits


def apply(ctx, record):
    each_path(ctx, record, "readonlyPaths", make_readonly)


def each_path(ctx, record, key, action):
    """Call `action(root_fd, path, fd)` once for each path of `linux.<key>`
    that exists (an O_PATH fd resolved in the root); the record remembers
    what was done, so a second apply of it does nothing again."""
    done = record.setdefault("done", [])
    root_fd = rootpath.open_root("/")
    try:
        for index, path in enumerate(ctx.linux.get(key) or ()):
            if index in done:
                continue
            try:
                fd = rootpath.open_in_root(root_fd, path)
            except FileNotFoundError:
                fd = -1  # runc skips a path that is not there
            except OSError as exc:
                raise syscall_error("openat2", path, exc) from None
            if fd >= 0:
                try:
                    action(root_fd, path, fd)
                finally:
                    os.close(fd)
            done.append(index)
    finally:
        os.close(root_fd)


def make_readonly(root_fd, path, fd):
    try:
        L.mount(rootpath.fd_path(fd), rootpath.fd_path(fd), None, L.MS_BIND | L.MS_REC)
    except OSError as exc:
        raise syscall_error("mount --bind", f"{path} on itself", exc) from None
    # the new mount is found by resolving the path again
    top = rootpath.open_in_root(root_fd, path)
    try:
        flags = os.fstatvfs(top).f_flag & _KEEP
        L.mount(None, rootpath.fd_path(top), None,
                L.MS_BIND | L.MS_REMOUNT | L.MS_RDONLY | flags)
    except OSError as exc:
        raise syscall_error("remount read-only", path, exc) from None
    finally:
        os.close(top)


def undo(ctx, record):
    pass
