"""An exec step, a pipeline's `exec: {apply, undo, timeout, env}`: a command
to apply and one to undo.

Each runs as an OCI hook does (runtime/hooks.py): the container's state JSON
on stdin, killed after `timeout` seconds; a non-zero exit, a signal or the
timeout fails the phase.  A command is an argv list (its first item an
absolute path) or a string for `/bin/sh -c`.  Without `env` it inherits
fsmrun's environment, as runc gives a hook without `env`.

The undo command, its timeout and env are journalled before `apply` runs:
`destroy` runs the undo that was configured when the step applied, whatever
the pipeline file says by then.  Like every undo it must be idempotent: it
may run after an apply that never ran or only half ran.
"""

import os

from fsmrun.runtime import hooks

# parent only: undo always runs on the host (in `delete`), so apply does too
SIDE = "parent"
OPTIONS = {"apply": (list, str), "undo": (list, str), "timeout": (int, float), "env": list}
REQUIRED_OPTIONS = ("apply",)
DEFAULT_TIMEOUT = 30


def argv(command):
    return ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)


def validate_options(options):
    for key in ("apply", "undo"):
        if key not in options:
            continue
        args = argv(options[key])
        if not args or not all(isinstance(a, str) and a for a in args):
            raise ValueError(f"exec {key}: a command is a list of strings or a string")
        if not args[0].startswith("/"):
            raise ValueError(f"exec {key}: the program must be an absolute path, "
                             f"got {args[0]!r}")
    if "timeout" in options and not options["timeout"] > 0:
        raise ValueError(f"exec timeout: seconds, more than 0, got {options['timeout']!r}")
    for item in options.get("env") or ():
        if not isinstance(item, str) or "=" not in item:
            raise ValueError(f"exec env: each entry is NAME=VALUE, got {item!r}")


def record(ctx):
    options = ctx.phase.options
    return {"undo": argv(options["undo"]) if options.get("undo") else None,
            "timeout": options.get("timeout", DEFAULT_TIMEOUT),
            "env": options.get("env")}


def apply(ctx, record):
    status = ctx.journal.doc.get("status") or "creating"
    _run(argv(ctx.phase.options["apply"]), "apply", record, hooks.state_json(ctx, status))


def undo(ctx, record):
    # the newer records are taken back first: the init is gone by now
    if record.get("undo"):
        _run(record["undo"], "undo", record, hooks.state_json(ctx, "stopped", pid=0))


def _run(args, kind, record, state):
    env = record.get("env")
    if env is None:
        env = [f"{key}={value}" for key, value in os.environ.items()]
    hooks.run({"path": args[0], "args": args, "env": env, "timeout": record.get("timeout")},
              f"exec {kind}", state)


def describe_undo(record):
    if not record.get("undo"):
        return "nothing: no undo command"
    return "run " + " ".join(record["undo"])
