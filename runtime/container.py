"""Container operations.  Each command builds the container's lifecycle
machine at the state it is in and fires one trigger; the work is done by the
machine's callbacks and the pipeline's steps."""

import os
import time

from fsmrun import OCI_VERSION, steps
from fsmrun.runtime import phases, proc
from fsmrun.runtime.context import Context
from fsmrun.runtime.errors import FsmrunError, NotFound
from fsmrun.statemachine import pipeline as pipelines
from fsmrun.statemachine.journal import Journal
from fsmrun.statemachine.store import validate_id


def iso_now():
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


class Lifecycle:
    """The model of the parent side's machine."""

    def __init__(self, ctx):
        self.ctx = ctx

    def run_phase(self, phase):
        phases.run_in_parent(self.ctx, phase)

    def on_created(self):
        ctx = self.ctx
        if ctx.channel is not None:
            # the init's last word: it survived `creating` and waits on the fifo
            msg = ctx.channel.recv()
            if msg is None or msg["t"] != "ready":
                phase = ctx.pipeline.create[-1]
                if msg is not None and msg["t"] == "error":
                    raise phases.init_error(msg)
                raise FsmrunError("the container's init exited before it was ready"
                                  + phases._init_exit_detail(ctx)).in_phase(phase.name, phase.side)
        ctx.journal.set(status="created", phase="created")
        ctx.journal.flush()
        if ctx.channel is not None:
            ctx.channel.close()
            ctx.channel = None

    def on_start(self):
        release_init(self.ctx)
        self.ctx.journal.set(status="running", phase="running")
        self.ctx.journal.flush()
        phases.run_start_phases(self.ctx, "parent")
        self.ctx.journal.flush_if_dirty()

    def on_delete(self):
        undo_all(self.ctx)


def machine_for(ctx, initial):
    # imported here: `state`, `list` and `kill` change no state and need no machine
    from fsmrun.statemachine import lifecycle
    model = Lifecycle(ctx)
    lifecycle.build(model, ctx.pipeline, run_phase=model.run_phase,
                    on_created=model.on_created, on_start=model.on_start,
                    on_delete=model.on_delete, initial=initial)
    return model


# --- opening a container -------------------------------------------------

def open_container(store, container_id, command, lock=True):
    """A Context for an existing container, with its lock held."""
    validate_id(container_id)
    ctx = Context(store, container_id, command)
    if lock:
        ctx.lock_fd = store.lock(container_id)
    try:
        doc = store.read(container_id)
    except NotFound:
        release_lock(ctx)
        raise
    ctx.journal = Journal(store, container_id, doc)
    ctx.pipeline = pipelines.Pipeline.from_json(doc["pipeline"])
    ctx.init_pid = doc.get("pid") or None
    ctx.init_start = doc.get("pid_start")
    return ctx


def release_lock(ctx):
    if ctx.lock_fd is not None:
        os.close(ctx.lock_fd)
        ctx.lock_fd = None


def status_of(doc, fifo_path):
    """The OCI status, derived from the system as runc does: a recorded status
    is only a hint."""
    recorded = doc.get("status")
    if recorded == "creating":
        return "creating"
    if not proc.is_alive(doc.get("pid"), doc.get("pid_start")):
        return "stopped"
    if os.path.exists(fifo_path):
        return "created"
    return "running"


def oci_state(doc, status):
    out = {
        "ociVersion": doc.get("ociVersion", OCI_VERSION),
        "id": doc["id"],
        "pid": 0 if status == "stopped" else doc.get("pid") or 0,
        "status": status,
        "bundle": doc.get("bundle", ""),
        "rootfs": doc.get("rootfs", ""),
        "created": doc.get("created", ""),
        "owner": doc.get("owner", ""),
    }
    if doc.get("annotations"):
        out["annotations"] = doc["annotations"]
    return out


# --- create, start, run ----------------------------------------------------

def create(store, container_id, options, pipeline_file=None):
    """Run the `creating` phases; on any failure take back what was applied."""
    validate_id(container_id)
    pipeline = pipelines.load(pipeline_file)
    store.make_dir(container_id)
    ctx = Context(store, container_id, "create")
    ctx.options = options
    ctx.pipeline = pipeline
    ctx.lock_fd = store.lock(container_id)
    doc = {
        "ociVersion": OCI_VERSION, "id": container_id, "pid": 0, "pid_start": None,
        "status": "creating", "phase": "creating",
        "bundle": os.path.abspath(options.get("bundle") or "."), "rootfs": "",
        "created": iso_now(), "owner": "", "annotations": {},
        "pipeline": pipeline.to_json(), "journal": [],
    }
    ctx.journal = Journal(store, container_id, doc)
    try:
        ctx.journal.flush()
        model = machine_for(ctx, "creating")
        while model.state != "created":
            model.advance()
    except BaseException as exc:
        rollback_create(ctx, exc)
        raise
    return ctx, model


def rollback_create(ctx, cause):
    """Take back a failed create; the user sees the cause, and what could not
    be taken back if anything could not."""
    if ctx.channel is not None:
        ctx.channel.close()
        ctx.channel = None
    try:
        undo_all(ctx)
    except FsmrunError as undo_err:
        if isinstance(cause, FsmrunError):
            cause.message += (f"; rollback incomplete ({undo_err.text()}): "
                              f"run `fsmrun delete --force {ctx.id}`")
    finally:
        release_lock(ctx)


def release_init(ctx):
    """Open the exec fifo: the init, blocked opening its other end, writes a
    byte and execs.  Waits on the init's pidfd too, so a dead init is an error,
    not a hang."""
    import select
    try:
        fifo = os.open(ctx.fifo_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FsmrunError("cannot start an already running container") from None
    pidfd = proc.open_pidfd(ctx.init_pid, ctx.init_start)
    try:
        if pidfd is None:
            raise FsmrunError("cannot start a container that has stopped")
        poller = select.poll()
        poller.register(fifo, select.POLLIN)
        poller.register(pidfd, select.POLLIN)
        while True:
            ready = dict(poller.poll())
            if fifo in ready:
                if os.read(fifo, 1):
                    break
                if ready[fifo] & select.POLLHUP:
                    raise FsmrunError("container init exited before it could be started")
            elif pidfd in ready:
                raise FsmrunError("container init exited before it could be started")
    finally:
        os.close(fifo)
        if pidfd is not None:
            os.close(pidfd)
    try:
        os.unlink(ctx.fifo_path)
    except FileNotFoundError:
        pass


def start(store, container_id):
    ctx = open_container(store, container_id, "start")
    try:
        status = status_of(ctx.journal.doc, ctx.fifo_path)
        if status != "created":
            raise FsmrunError({
                "stopped": "cannot start a container that has stopped",
                "running": "cannot start an already running container",
                "creating": "cannot start a container that is still creating",
            }.get(status, f"cannot start a container that is {status}"))
        model = machine_for(ctx, "created")
        model.start()
    finally:
        release_lock(ctx)


def run(store, container_id, options, detach, pipeline_file=None):
    """create + start; unless detached, wait for the process, delete the
    container and return the process's exit code (as runc does)."""
    ctx, model = create(store, container_id, options, pipeline_file)
    try:
        model.start()
    except BaseException:
        _force_remove(ctx, model)
        raise
    finally:
        release_lock(ctx)
    if detach:
        return 0
    status = _wait_forwarding_signals(ctx.init_pid)
    ctx.lock_fd = store.lock(container_id)
    try:
        model.exited()
        model.delete()
    finally:
        release_lock(ctx)
    return proc.exit_code(status)


def _force_remove(ctx, model):
    try:
        model.destroy()
    except FsmrunError:
        pass


def _wait_forwarding_signals(pid):
    """Wait for our child, the init, passing on the signals a user sends us."""
    import signal

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH):
        signal.signal(sig, forward)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:
            continue


# --- kill, delete ----------------------------------------------------------

def kill(store, container_id, sig, all_processes=False):
    ctx = open_container(store, container_id, "kill", lock=False)
    status = status_of(ctx.journal.doc, ctx.fifo_path)
    if status not in ("created", "running", "paused"):
        raise FsmrunError("container not running")
    if all_processes:
        cgroup = _cgroup_of(ctx)
        if cgroup is not None:
            cgroup.kill_all(sig)
            return
    if not proc.signal(ctx.init_pid, ctx.init_start, sig):
        raise FsmrunError("container not running")


def _cgroup_of(ctx):
    entry = ctx.journal.find("cgroup")
    if entry is None or "cgroup" not in entry["record"]:
        return None
    from fsmrun.runtime.cgroupfs import Cgroup
    return Cgroup.from_record(entry["record"]["cgroup"])


def delete(store, container_id, force=False):
    try:
        ctx = open_container(store, container_id, "delete")
    except NotFound:
        if force:
            # runc: deleting a container that is gone succeeds with --force;
            # a directory left by a create killed before its first write goes too
            store.remove(container_id)
            return
        raise
    try:
        status = status_of(ctx.journal.doc, ctx.fifo_path)
        if status != "stopped" and not force:
            raise FsmrunError(f"cannot delete container {container_id} "
                              f"that is not stopped: {status}")
        _take_back(ctx, status)
    finally:
        release_lock(ctx)


def destroy(store, container_id):
    """Take back everything fsmrun applied for the container, from whatever
    state it is in.  True if there was something to take back."""
    validate_id(container_id)
    try:
        ctx = open_container(store, container_id, "destroy")
    except NotFound:
        existed = os.path.isdir(store.dir_of(container_id))
        store.remove(container_id)
        return existed
    try:
        _take_back(ctx, status_of(ctx.journal.doc, ctx.fifo_path))
    finally:
        release_lock(ctx)
    return True


def _take_back(ctx, status):
    if status == "stopped":
        model = machine_for(ctx, "stopped")
        model.delete()
    else:
        model = machine_for(ctx, ctx.journal.doc.get("phase") or "creating")
        model.destroy()


def undo_all(ctx):
    """Take back every applied step, newest first, then remove the state.

    Undo is idempotent, so the journal is written only if an undo fails (the
    records taken back so far are kept for the next attempt) or if a step
    notes something itself (poststop hooks mark that they ran).
    """
    journal = ctx.journal
    for entry in journal.pending_undo():
        phase = _phase_of(ctx, entry)
        ctx.phase = phase
        try:
            steps.resolve(phase).undo(ctx, entry["record"])
        except Exception as exc:
            journal.flush()
            raise phases.wrap_error(exc, phase) from exc
        journal.undone(entry)
    ctx.store.remove(ctx.id)


def _phase_of(ctx, entry):
    try:
        return ctx.pipeline.phase(entry["step"])
    except KeyError:
        return pipelines.Phase(entry["step"], entry["side"])


# --- state, list -----------------------------------------------------------

def state(store, container_id):
    validate_id(container_id)
    doc = store.read(container_id)
    return oci_state(doc, status_of(doc, store.fifo_of(container_id)))


def list_states(store):
    out = []
    for container_id in store.list_ids():
        try:
            doc = store.read(container_id)
        except FsmrunError:
            continue
        st = oci_state(doc, status_of(doc, store.fifo_of(container_id)))
        st["owner"] = _owner(store.dir_of(container_id))
        out.append(st)
    return out


def _owner(path):
    import pwd
    try:
        uid = os.stat(path).st_uid
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return ""
