"""The state store: one directory per container under the root, one state file.

The state file holds the OCI state and the journal.  It is replaced
atomically (temp file, fsync, rename), so a reader never sees half a file and
a runtime killed at any instruction leaves either the old or the new one.
Every command on a container holds an exclusive flock on its directory;
readers (`state`, `list`) take no lock and so never block on a dead holder.
"""

import fcntl
import os

from fsmrun.runtime import fastjson
from fsmrun.runtime.errors import FsmrunError, NotFound, syscall_error

STATE_FILE = "state.json"
DEFAULT_ROOT = "/run/fsmrun"

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.")


def validate_id(container_id):
    """runc's rule: letters, digits and `_+-.`; not empty, not `.` or `..`."""
    if not container_id:
        raise FsmrunError("invalid container ID format: the ID is empty")
    if container_id in (".", "..") or not _ID_CHARS.issuperset(container_id):
        raise FsmrunError(f"invalid container ID format: {container_id!r} "
                          "(letters, digits and _ + - . only)")
    if len(container_id) > 1024:
        raise FsmrunError("invalid container ID format: longer than 1024 characters")


class StateStore:
    def __init__(self, root=DEFAULT_ROOT, durable=True):
        self.root = os.path.abspath(root)
        # fsync only matters for a machine crash; the effects a journal
        # describes (cgroups, mounts, processes) do not survive one either.
        self.durable = durable

    def dir_of(self, container_id):
        return os.path.join(self.root, container_id)

    def fifo_of(self, container_id):
        """The exec fifo: while it exists the container is `created`."""
        return os.path.join(self.root, container_id, "exec.fifo")

    def make_dir(self, container_id):
        """Create the container's directory; fails if the id is in use."""
        try:
            os.makedirs(self.root, mode=0o711, exist_ok=True)
        except OSError as exc:
            raise syscall_error("mkdir", self.root, exc) from None
        path = self.dir_of(container_id)
        try:
            os.mkdir(path, 0o711)
        except FileExistsError:
            raise FsmrunError(f"container with id exists: {container_id}") from None
        except OSError as exc:
            raise syscall_error("mkdir", path, exc) from None
        return path

    def lock(self, container_id):
        """Take the container's exclusive lock; returns the fd that holds it.

        The fd is close-on-exec and closed by the forked init, so the lock
        never outlives the command that took it.
        """
        path = self.dir_of(container_id)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NotFound("container does not exist") from None
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def exists(self, container_id):
        return os.path.exists(os.path.join(self.dir_of(container_id), STATE_FILE))

    def read(self, container_id):
        path = os.path.join(self.dir_of(container_id), STATE_FILE)
        try:
            with open(path, "rb") as f:
                return fastjson.loads(f.read())
        except FileNotFoundError:
            raise NotFound("container does not exist") from None
        except ValueError as exc:
            raise FsmrunError(f"state file {path} is corrupt: {exc}") from None

    def write(self, container_id, doc, durable=None):
        directory = self.dir_of(container_id)
        path = os.path.join(directory, STATE_FILE)
        tmp = path + ".tmp"
        data = fastjson.dumps(doc).encode()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, data)
                if self.durable if durable is None else durable:
                    os.fdatasync(fd)
            finally:
                os.close(fd)
            os.rename(tmp, path)
        except OSError as exc:
            raise syscall_error("write", path, exc) from None

    def list_ids(self):
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if not n.startswith("."))

    def remove(self, container_id):
        """Remove the container's directory and what is left in it: files,
        and the directories steps made there (runtime/fstree.py: never
        through a symlink or a mount point)."""
        directory = self.dir_of(container_id)
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return
        # the state file last: if a directory cannot go, destroy can run again
        for name in sorted(names, key=lambda n: n == STATE_FILE):
            path = os.path.join(directory, name)
            try:
                os.unlink(path)  # a symlink goes, not what it points to
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                from fsmrun.runtime.fstree import remove_tree
                remove_tree(path)
        try:
            os.rmdir(directory)
        except FileNotFoundError:
            pass
