"""Running OCI hooks: `path` executed with `args` and exactly `env`, the
container's state JSON on stdin, killed after `timeout` seconds.

fork + execve and a pidfd rather than `subprocess`: the init runs hooks too
(createContainer, startContainer), and after pivot_root it can no longer
import anything from the host.
"""

import os
import select

from fsmrun.runtime.errors import FsmrunError

KINDS = ("prestart", "createRuntime", "createContainer", "startContainer",
         "poststart", "poststop")


def hooks_of(spec, kind):
    return list(((spec or {}).get("hooks") or {}).get(kind) or ())


def state_json(ctx, status, pid=None):
    """The state a hook reads on stdin.  Parent-side hooks see the init's
    host pid; hooks in the container's namespaces see it as the container
    does (PID 1)."""
    from fsmrun import OCI_VERSION
    doc = ctx.journal.doc if ctx.journal is not None else {}
    state = {
        "ociVersion": OCI_VERSION, "id": ctx.id, "status": status,
        "pid": pid if pid is not None else (ctx.init_pid or 0),
        "bundle": ctx.bundle or doc.get("bundle", ""),
        "annotations": (ctx.spec or {}).get("annotations") or doc.get("annotations") or {},
    }
    from fsmrun.runtime import fastjson
    return fastjson.dumps(state).encode()


def run(hook, kind, state):
    """Run one hook; FsmrunError naming its path and status if it fails."""
    path = hook.get("path", "")
    args = hook.get("args") or [path]
    env = dict(item.partition("=")[::2] for item in hook.get("env") or ())
    timeout = hook.get("timeout")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child execs or exits at once
        try:
            os.dup2(read_end, 0)
            os.close(write_end)
            import _signal
            _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
            os.execve(path, args, env)
        except OSError as exc:
            os.write(2, f"fsmrun: {kind} hook {path}: exec: {exc.strerror}\n".encode())
        finally:
            os._exit(127)
    os.close(read_end)
    try:
        os.write(write_end, state)
    except BrokenPipeError:
        pass  # a hook need not read its stdin
    finally:
        os.close(write_end)
    pidfd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(None if timeout is None else int(timeout * 1000)):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise FsmrunError(f"{kind} hook {path}: timed out after {timeout}s")
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise FsmrunError(f"{kind} hook {path}: killed by signal {os.WTERMSIG(status)}")
    code = os.WEXITSTATUS(status)
    if code:
        raise FsmrunError(f"{kind} hook {path}: exit status {code}")


def run_all(hooks, kind, state, keep_going=False):
    """Run hooks in order.  The first failure stops the rest, unless
    `keep_going` (poststop, poststart): then each failure is a warning."""
    for hook in hooks:
        try:
            run(hook, kind, state)
        except FsmrunError as exc:
            if not keep_going:
                raise
            os.write(2, f"fsmrun: warning: {exc}\n".encode())


def run_phase(ctx, record, kind, status, pid=None, keep_going=False):
    """A hook step's apply: the config's hooks of `kind`, once per record (a
    second apply of the same record, a retry, runs nothing)."""
    if record.get("ran"):
        return
    record["ran"] = True
    run_all(hooks_of(ctx.spec, kind), kind, state_json(ctx, status, pid), keep_going)


def write_ahead(kind):
    """A hook step's WRITE_AHEAD: hooks change who knows what on the host, so
    their record goes out first, unless there are none."""
    return lambda ctx: bool(hooks_of(ctx.spec, kind))
