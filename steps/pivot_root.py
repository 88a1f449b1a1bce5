"""Make the rootfs `/`: pivot_root(".", ".") from inside it, then detach the
old root stacked on top (runc's way, no temporary directory).  With
--no-pivot (rootfs on a ramdisk): MS_MOVE and chroot.  Undo: the init's
mount namespace goes with it."""

import os

from fsmrun.runtime import linux
from fsmrun.runtime.errors import syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def record(ctx):
    st = os.stat(ctx.rootfs)
    return {"root": [st.st_dev, st.st_ino]}


def apply(ctx, record):
    st = os.stat("/")
    if record.get("root") == [st.st_dev, st.st_ino]:
        return  # the rootfs is / already
    if ctx.options.get("no_pivot"):
        return _move_root(ctx.rootfs)
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    new_root = os.open(ctx.rootfs, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(new_root)
        try:
            linux.pivot_root(".", ".")
        except OSError as exc:
            raise syscall_error("pivot_root", ctx.rootfs, exc) from None
        os.fchdir(old_root)
        # the old root must not propagate its unmount to the host
        linux.mount(None, ".", None, linux.MS_SLAVE | linux.MS_REC)
        try:
            linux.umount2(".", linux.MNT_DETACH)
        except OSError as exc:
            raise syscall_error("umount2", "old root", exc) from None
        os.chdir("/")
    finally:
        os.close(old_root)
        os.close(new_root)


def _move_root(rootfs):
    try:
        os.chdir(rootfs)
        linux.mount(rootfs, "/", None, linux.MS_MOVE)
        os.chroot(".")
        os.chdir("/")
    except OSError as exc:
        raise syscall_error("mount --move", rootfs, exc) from None


def undo(ctx, record):
    pass
