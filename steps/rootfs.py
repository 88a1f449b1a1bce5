"""Prepare the rootfs as runc's prepareRoot does: `/` made MS_SLAVE|MS_REC
(or `linux.rootfsPropagation`) so nothing mounted from here reaches the host,
the rootfs' parent mount made private if it is shared (pivot_root refuses a
shared parent), and the rootfs bind-mounted onto itself so it is a mount
point.  All inside the init's mount namespace: undo has nothing to do."""

from fsmrun.runtime import linux, mountopts
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def apply(ctx, record):
    propagation = ctx.linux.get("rootfsPropagation")
    if propagation:
        if propagation not in mountopts.PROPAGATION:
            raise FsmrunError(f"linux.rootfsPropagation: unknown value {propagation!r}")
        flags = mountopts.PROPAGATION[propagation]
    else:
        flags = linux.MS_SLAVE | linux.MS_REC
    try:
        linux.mount(None, "/", None, flags)
    except OSError as exc:
        raise syscall_error("mount --make-rslave", "/", exc) from None
    parent, shared = parent_mount(ctx.rootfs)
    if shared:
        try:
            linux.mount(None, parent, None, linux.MS_PRIVATE)
        except OSError as exc:
            raise syscall_error("mount --make-private", parent, exc) from None
    if parent == ctx.rootfs:
        return  # a mount point already: what pivot_root needs
    try:
        linux.mount(ctx.rootfs, ctx.rootfs, "bind", linux.MS_BIND | linux.MS_REC)
    except OSError as exc:
        raise syscall_error("mount --rbind", ctx.rootfs, exc) from None


def parent_mount(path):
    """(mount point containing `path`, whether it is shared)."""
    best, shared = "/", False
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
                best = point
                optional = fields[6:fields.index("-")]
                shared = any(o.startswith("shared:") for o in optional)
    return best, shared


def undo(ctx, record):
    pass
