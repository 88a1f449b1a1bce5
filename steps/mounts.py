"""The config's mounts, in order, inside the rootfs.

Each destination is resolved inside the rootfs (a symlink cannot lead out)
and mounted through a file descriptor.  A bind mount's flags (ro, nosuid,
...) need a second, remount call on the new mount, found by resolving the
destination again.  Everything happens in the init's mount namespace, whose
root was made a slave: undo has nothing to do on the host.
"""

import os

from fsmrun.runtime import linux as L
from fsmrun.runtime import mountopts, rootpath
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
_BIND_KEEP = L.MS_BIND | L.MS_REC | L.MS_REMOUNT


def apply(ctx, record):
    # destinations mounted by an earlier apply of this record are left alone
    # (apply is idempotent); the rootfs itself is not trusted to tell, since
    # a bundle may come with anything mounted inside it
    done = record.setdefault("mounted", [])
    root_fd = rootpath.open_root(ctx.rootfs)
    try:
        for index, m in enumerate(ctx.spec.get("mounts") or ()):
            if index not in done:
                mount_one(ctx, root_fd, m)
                done.append(index)
    finally:
        os.close(root_fd)


def mount_one(ctx, root_fd, m):
    dest = m["destination"]
    mtype = m.get("type") or ""
    flags, propagation, data = mountopts.parse(m.get("options"))
    if mtype in ("cgroup", "cgroup2"):
        _mount_cgroup(ctx, root_fd, dest, flags)
    elif flags & L.MS_BIND or mtype == "bind":
        source = m.get("source") or ""
        if not os.path.isabs(source):
            source = os.path.join(ctx.bundle, source)
        _bind(root_fd, source, dest, flags | L.MS_BIND)
    else:
        source = m.get("source") or mtype
        fd = _open(root_fd, dest, "dir")
        try:
            L.mount(source, rootpath.fd_path(fd), mtype, flags, data or None)
        except OSError as exc:
            if mtype == "sysfs" and exc.errno == 1:
                # sysfs needs a network namespace of our own; runc binds the host's
                _close(fd)
                fd = -1
                _bind(root_fd, "/sys", dest, flags | L.MS_BIND | L.MS_REC)
                return
            raise _error(f"mount {mtype}", source, dest, exc) from None
        finally:
            _close(fd)
    _propagate(root_fd, dest, propagation)


def _bind(root_fd, source, dest, flags):
    if not os.path.exists(source):
        raise FsmrunError(f"bind mount {source} on {dest}: source does not exist")
    fd = _open(root_fd, dest, "dir" if os.path.isdir(source) else "file")
    try:
        L.mount(source, rootpath.fd_path(fd), None, flags & (L.MS_BIND | L.MS_REC))
    except OSError as exc:
        raise _error("mount --bind", source, dest, exc) from None
    finally:
        os.close(fd)
    extra = flags & ~_BIND_KEEP
    if extra:
        remount(root_fd, dest, L.MS_BIND | L.MS_REMOUNT | extra)


def remount(root_fd, dest, flags, call="remount"):
    """mount(2) on the mount now at `dest` (resolved again: it is the new
    mount's root, not the directory it covers)."""
    fd = _open(root_fd, dest, None)
    try:
        L.mount(None, rootpath.fd_path(fd), None, flags)
    except OSError as exc:
        raise _error(call, "", dest, exc) from None
    finally:
        os.close(fd)


def _propagate(root_fd, dest, propagation):
    for flag in propagation:
        remount(root_fd, dest, flag, "mount --make-*")


def _mount_cgroup(ctx, root_fd, dest, flags):
    """The container's own cgroup at `dest`: one bind mount of its directory
    per hierarchy (runc's way without a cgroup namespace), on a tmpfs for v1."""
    cgroup = ctx.cgroup
    if cgroup is None:
        raise FsmrunError(f"mount cgroup on {dest}: the pipeline made no cgroup")
    bind_flags = (flags & ~L.MS_REC) | L.MS_BIND
    if set(cgroup.paths) == {"unified"}:
        _bind(root_fd, cgroup.paths["unified"], dest, bind_flags)
        return
    fd = _open(root_fd, dest, "dir")
    try:
        L.mount("tmpfs", rootpath.fd_path(fd), "tmpfs",
                flags & ~L.MS_RDONLY, "mode=755")
    except OSError as exc:
        raise _error("mount tmpfs", "", dest, exc) from None
    finally:
        os.close(fd)
    for key, host_path in sorted(cgroup.paths.items()):
        name = key.split("=", 1)[-1]
        _bind(root_fd, host_path, f"{dest.rstrip('/')}/{name}", bind_flags)
    if flags & L.MS_RDONLY:
        remount(root_fd, dest, L.MS_REMOUNT | L.MS_BIND | (flags & ~L.MS_REC))


def _open(root_fd, dest, create):
    try:
        return rootpath.open_in_root(root_fd, dest, create)
    except OSError as exc:
        raise syscall_error("openat2", dest, exc) from None


def _close(fd):
    if fd < 0:
        return
    try:
        os.close(fd)
    except OSError:
        pass


def _error(call, source, dest, exc):
    what = f"{source} on {dest}" if source else dest
    return syscall_error(call, what, exc)


def undo(ctx, record):
    pass
