"""Paths inside the container's rootfs, resolved as if the rootfs were `/`.

A rootfs is hostile: any component may be a symlink to `/etc` or `..`.
Every destination is opened with openat2(RESOLVE_IN_ROOT) from a handle on
the rootfs, so a symlink cannot lead out of it (runc CVE-2021-30465), and the
mount goes through the resulting fd (`/proc/self/fd/N`), so nothing can swap
the path between the check and the mount.
"""

import errno
import os

from fsmrun.runtime import linux
from fsmrun.runtime.errors import syscall_error

_RESOLVE = linux.RESOLVE_IN_ROOT | linux.RESOLVE_NO_MAGICLINKS


def open_root(rootfs):
    try:
        return os.open(rootfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise syscall_error("open", rootfs, exc) from None


def _open(root_fd, rel, flags=os.O_PATH):
    return linux.openat2(root_fd, rel or ".", flags, _RESOLVE)


def open_in_root(root_fd, path, create=None, mode=0o755, _links=0):
    """An O_PATH fd on `path` inside the root.  `create` is "dir" or "file"
    to make what is missing (parents are always directories); a dangling
    symlink on the way is followed inside the root and its target made."""
    rel = path.strip("/")
    try:
        return _open(root_fd, rel)
    except FileNotFoundError:
        if create is None:
            raise
    parts = [p for p in rel.split("/") if p]
    parent = root_fd
    opened = []
    try:
        for i, name in enumerate(parts):
            prefix = "/".join(parts[:i + 1])
            try:
                fd = _open(root_fd, prefix)
            except FileNotFoundError:
                target = _readlink(parent, name)
                if target is not None:
                    if _links >= 40:
                        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path) from None
                    base = [] if target.startswith("/") else parts[:i]
                    rest = "/".join(base + [target.strip("/")] + parts[i + 1:])
                    return open_in_root(root_fd, "/" + rest, create, mode, _links + 1)
                # `parent` was resolved in the root, so `name` is made inside it
                if i == len(parts) - 1 and create == "file":
                    os.close(os.open(name, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                     0o644, dir_fd=parent))
                else:
                    try:
                        os.mkdir(name, mode, dir_fd=parent)
                    except FileExistsError:
                        pass
                fd = _open(root_fd, prefix)
            opened.append(fd)
            parent = fd
        return opened.pop() if opened else os.dup(root_fd)
    finally:
        for fd in opened:
            os.close(fd)


def _readlink(dir_fd, name):
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return None


def fd_path(fd):
    return f"/proc/self/fd/{fd}"
