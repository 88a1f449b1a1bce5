"""Device nodes and the /dev symlinks a process expects, when the config
mounts a fresh /dev (runc: only then).  Made with mknod inside the rootfs,
through a handle on /dev resolved in it.  Undo: they live in the container's
tmpfs, nothing to do."""

import os
import stat

from fsmrun.runtime import rootpath
from fsmrun.runtime.errors import syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module

DEFAULT_DEVICES = (  # name, type, major, minor (all rw for everyone, as runc)
    ("null", "c", 1, 3), ("zero", "c", 1, 5), ("full", "c", 1, 7),
    ("random", "c", 1, 8), ("urandom", "c", 1, 9), ("tty", "c", 5, 0),
)
SYMLINKS = (
    ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
)
_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def needs_dev(ctx):
    for m in ctx.spec.get("mounts") or ():
        if m.get("destination", "").rstrip("/") == "/dev":
            return "bind" not in (m.get("options") or ()) and m.get("type") != "bind"
    return False


def apply(ctx, record):
    if not needs_dev(ctx):
        return
    root_fd = rootpath.open_root(ctx.rootfs)
    try:
        dev_fd = rootpath.open_in_root(root_fd, "/dev", "dir")
        try:
            for name, kind, major, minor in DEFAULT_DEVICES:
                _mknod(dev_fd, name, _TYPES[kind] | 0o666, major, minor, 0, 0)
            for name, target in SYMLINKS:
                try:
                    os.symlink(target, name, dir_fd=dev_fd)
                except FileExistsError:
                    pass
        finally:
            os.close(dev_fd)
        for dev in ctx.linux.get("devices") or ():
            _config_device(root_fd, dev)
    finally:
        os.close(root_fd)


def _config_device(root_fd, dev):
    path = dev["path"]
    parent, name = os.path.split(path)
    dir_fd = rootpath.open_in_root(root_fd, parent, "dir")
    try:
        mode = _TYPES.get(dev.get("type", "c"), stat.S_IFCHR) | (dev.get("fileMode") or 0o666)
        _mknod(dir_fd, name, mode, dev.get("major", 0), dev.get("minor", 0),
               dev.get("uid", 0), dev.get("gid", 0))
    finally:
        os.close(dir_fd)


def _mknod(dir_fd, name, mode, major, minor, uid, gid):
    try:
        try:
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        os.mknod(name, mode, os.makedev(major, minor), dir_fd=dir_fd)
        os.chmod(name, mode & 0o7777, dir_fd=dir_fd)
        os.chown(name, uid, gid, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as exc:
        raise syscall_error("mknod", f"/dev/{name}" if "/" not in name else name, exc) from None


def undo(ctx, record):
    pass
