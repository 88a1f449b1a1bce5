"""Assemble the rootfs as an overlay, on the host: the bundle's rootfs is the
read-only lower layer, what the container writes goes to an upper layer in
its state directory, and the init pivots into the merged view.  The bundle
is never changed, and `destroy` removes everything the container wrote.

Parent side, before spawn_init: the init inherits `ctx.rootfs` (the merged
directory) when it forks.  The record, written before anything is made,
names the directory that holds the layers, so undo finds them: it unmounts
the merged view if it is still mounted, then removes the layers (never
through a symlink or a mount point: runtime/fstree.py).  The state's
`rootfs` stays the bundle's, as `fsmrun state` reports it.
"""

import errno
import os

from fsmrun.runtime import linux
from fsmrun.runtime.errors import FsmrunError, syscall_error
from fsmrun.runtime.fstree import is_mount_point, remove_tree

SIDE = "parent"
AFTER = ("load_spec",)      # the bundle's rootfs is known
BEFORE = ("spawn_init",)    # the init forks with the merged rootfs


def record(ctx):
    return {"dir": os.path.join(ctx.state_dir, "overlay")}


def apply(ctx, record):
    base = record["dir"]
    upper, work, merged = (os.path.join(base, d) for d in ("upper", "work", "merged"))
    lower = ctx.rootfs
    if any(c in lower for c in ",:\\"):
        # overlayfs splits its options on these
        raise FsmrunError(f"overlay: the rootfs path {lower} has a , : or \\ in it")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        for path in (upper, work, merged):
            os.makedirs(path, mode=0o755, exist_ok=True)
    except OSError as exc:
        raise syscall_error("mkdir", exc.filename, exc) from None
    if not is_mount_point(merged):  # applying twice mounts once
        options = f"lowerdir={lower},upperdir={upper},workdir={work}"
        try:
            linux.mount("overlay", merged, "overlay", 0, options)
        except OSError as exc:
            raise syscall_error(f"mount overlay ({options}) on", merged, exc) from None
    ctx.rootfs = merged


def check(ctx):
    return is_mount_point(os.path.join(ctx.state_dir, "overlay", "merged"))


def undo(ctx, record):
    base = record.get("dir")
    if not base:
        return
    merged = os.path.join(base, "merged")
    if is_mount_point(merged):
        try:
            linux.umount2(merged, linux.UMOUNT_NOFOLLOW)
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise syscall_error("umount", merged, exc) from None
            # still in use by a process the journal does not know: detach it,
            # the kernel frees it with the last user
            linux.umount2(merged, linux.UMOUNT_NOFOLLOW | linux.MNT_DETACH)
    remove_tree(base)


def describe_undo(record):
    return f"unmount {record.get('dir')}/merged, remove its upper, work and merged dirs"
