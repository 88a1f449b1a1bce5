"""The container's init: a fork of `fsmrun create` that becomes PID 1.

It runs its own copy of the lifecycle machine, from `spawn_init` on, applying
the init-side phases and waiting on the parent's, then waits on the exec fifo
and execs the container's process.  It never returns to the caller.
"""

import os

from fsmrun.runtime import linux, phases
from fsmrun.runtime.errors import FsmrunError, syscall_error
from fsmrun.statemachine import lifecycle


class InitLifecycle:
    """The model of the init's machine."""

    def __init__(self, ctx):
        self.ctx = ctx

    def run_phase(self, phase):
        phases.run_in_init(self.ctx, phase)

    def on_created(self):
        # from here on the parent exits on purpose: stop dying with it
        linux.prctl(linux.PR_SET_PDEATHSIG, 0)
        self.ctx.channel.send("ready")
        self.ctx.channel.close()
        self.ctx.channel = None

    def on_start(self):
        wait_for_start(self.ctx)
        phases.run_start_phases(self.ctx, "init")

    def on_delete(self):
        pass


def wait_for_start(ctx):
    """Block until `fsmrun start` opens the exec fifo for reading; the byte
    written tells it the init is released."""
    try:
        fifo = os.open(f"/proc/self/fd/{ctx.fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise syscall_error("open", "exec fifo", exc) from None
    os.write(fifo, b"0")
    os.close(fifo)
    os.close(ctx.fifo_fd)
    ctx.fifo_fd = -1


def close_inherited_fds(keep):
    """Close every descriptor but `keep`: the init inherits all of the parent's
    (PEP 446 only protects across exec), the container lock among them."""
    low = 0
    for fd in sorted(set(keep)):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


def init_main(ctx, channel):
    """Run the init side; never returns."""
    code = 1
    ctx.phase = None
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, 9)
        # a process other than ours could see us through a shared PID
        # namespace: make /proc/<pid>/exe (the host's interpreter) unreachable
        linux.prctl(linux.PR_SET_DUMPABLE, 0)
        ctx.side = "init"
        ctx.channel = channel
        ctx.journal = None
        ctx.fifo_fd = os.open(ctx.fifo_path, os.O_PATH | os.O_CLOEXEC)
        preserved = range(3, 3 + int(ctx.options.get("preserve_fds") or 0))
        close_inherited_fds([0, 1, 2, *preserved, *channel.fds(), ctx.fifo_fd,
                             ctx.parent_killer_fd])
        model = InitLifecycle(ctx)
        lifecycle.build(model, ctx.pipeline, run_phase=model.run_phase,
                        on_created=model.on_created, on_start=model.on_start,
                        on_delete=model.on_delete, initial="spawn_init")
        while model.state != "created":
            model.advance()
        model.start()  # execs the process; returns only by raising
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
        phase = ctx.phase
        err = phases.wrap_error(exc, phase) if phase else FsmrunError(str(exc))
        _report(ctx, err)
        code = 127 if err.errno == 2 else 1  # ENOENT: the shell's "not found"
    finally:
        os._exit(code)


def _report(ctx, err):
    if ctx.channel is not None:
        try:
            ctx.channel.send("error", phase=err.phase, errno=err.errno, msg=err.message)
            return
        except (EOFError, OSError):
            pass
    # after `created` nobody listens on the channel: the container's stderr
    # is the only place left (runc does the same)
    try:
        os.write(2, f"fsmrun: {ctx.id}: {err.text()}\n".encode())
    except OSError:
        pass
