"""Removing a directory tree fsmrun made (a container's state directory, an
overlay's layers) without ever reaching outside it.

`shutil.rmtree` works on directory descriptors and never follows a symlink
(on Linux it resists symlink races); what it would cross is a mount point,
and removing through one removes what is mounted.  So the tree is refused if
anything is mounted at or below it.
"""

import os

from fsmrun.runtime.errors import FsmrunError, syscall_error


def mount_points():
    """The mount points of this mount namespace (mountinfo's escapes decoded)."""
    import codecs
    with open("/proc/self/mountinfo", "rb") as f:
        return [os.fsdecode(codecs.escape_decode(line.split(b" ")[4])[0]) for line in f]


def is_mount_point(path):
    return os.path.realpath(path) in mount_points()


def remove_tree(path):
    real = os.path.realpath(path)
    inside = [m for m in mount_points() if m == real or m.startswith(real.rstrip("/") + "/")]
    if inside:
        raise FsmrunError(f"cannot remove {path}: {inside[0]} is mounted inside it")
    import shutil
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise syscall_error("remove", exc.filename or path, exc) from None
