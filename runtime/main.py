"""The `fsmrun` command: runc's verbs, flags and exit codes.

Flags follow runc (urfave/cli): `--flag value`, `--flag=value` and `-flag`
all work, global flags go before the verb, command flags before the
arguments.  Each verb imports only what it uses.
"""

import os
import sys

from fsmrun.runtime.errors import FsmrunError, UnknownCommand, UsageError

USAGE = """usage: fsmrun [global options] <command> [command options] [arguments]

commands:
  create   create a container (stops before running its process)
  start    run the process of a created container
  run      create and start a container; wait for it unless --detach
  state    print the state of a container as JSON
  kill     send a signal to a container's init (default SIGTERM)
  delete   delete a container and everything fsmrun made for it
  destroy  take back everything fsmrun applied, from any state (fsmrun only)
  inspect  the container's journal: each phase, its status and its undo
  list     list containers
  spec     write a default config.json
  bundle   make a runnable busybox bundle (fsmrun only)
  demo     run a container through its whole lifecycle (fsmrun only)
  pipeline check, list or draw a pipeline: check|show|graph [FILE] (fsmrun only)

global options:
  --root DIR           state directory (default /run/fsmrun)
  --log FILE           also write errors to FILE
  --log-format FORMAT  text or json
  --debug              show tracebacks of internal errors
  --pipeline FILE      the pipeline of containers created (docs/pipelines.md)
  --allow-python-steps let pipelines name Python objects (package.module:Object)
  --version, -v        print the version
"""

# command -> ({option: takes_value}, {alias: option}, (min args, max args or None))
COMMANDS = {
    "create": ({"bundle": True, "console-socket": True, "pid-file": True, "no-pivot": False,
                "no-new-keyring": False, "preserve-fds": True, "pipeline": True},
               {"b": "bundle"}, (1, 1)),
    "run": ({"bundle": True, "console-socket": True, "pid-file": True, "no-pivot": False,
             "no-new-keyring": False, "preserve-fds": True, "detach": False, "keep": False,
             "pipeline": True},
            {"b": "bundle", "d": "detach"}, (1, 1)),
    "start": ({}, {}, (1, 1)),
    "state": ({}, {}, (1, 1)),
    "kill": ({"all": False}, {"a": "all"}, (1, 2)),
    "delete": ({"force": False}, {"f": "force"}, (1, None)),
    "destroy": ({}, {}, (1, None)),
    "inspect": ({"format": True}, {"f": "format"}, (1, 1)),
    "pipeline": ({"format": True}, {"f": "format"}, (1, None)),  # pipeline_cli parses the rest
    "list": ({"format": True, "quiet": False}, {"f": "format", "q": "quiet"}, (0, 0)),
    "spec": ({"bundle": True, "rootless": False}, {"b": "bundle"}, (0, 0)),
    "bundle": ({"args": True}, {}, (1, 1)),
    "demo": ({"keep": False}, {}, (0, 0)),
}
GLOBAL = ({"root": True, "log": True, "log-format": True, "debug": False,
           "systemd-cgroup": False, "criu": True, "rootless": True, "help": False,
           "version": False, "pipeline": True, "allow-python-steps": False},
          {"h": "help", "v": "version"})


def parse_flags(argv, spec, aliases, where):
    """Split leading flags off argv: ({option: value}, rest)."""
    options = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, value = arg.lstrip("-").partition("=")
        name = aliases.get(name, name)
        if name not in spec:
            raise UsageError(f"flag provided but not defined: -{arg.lstrip('-').partition('=')[0]}"
                             f" ({where})")
        if spec[name]:
            if not eq:
                i += 1
                if i >= len(argv):
                    raise UsageError(f"flag needs an argument: -{name} ({where})")
                value = argv[i]
            options[name] = value
        else:
            options[name] = value.lower() not in ("false", "0") if eq else True
        i += 1
    return options, argv[i:]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    command = None
    container_id = None
    log = None
    try:
        gopts, rest = parse_flags(argv, *GLOBAL, "global options")
        debug = bool(gopts.get("debug"))
        log = (gopts.get("log"), gopts.get("log-format") or "text")
        if log[1] not in ("text", "json"):
            raise UsageError(f"invalid log-format: {log[1]!r} (text or json)")
        if gopts.get("version"):
            return _version()
        if gopts.get("help") or not rest:
            sys.stdout.write(USAGE)
            return 0 if gopts.get("help") else 1
        command, args = rest[0], rest[1:]
        if command not in COMMANDS:
            command = None
            raise UnknownCommand(f"no such command: {rest[0]!r}")
        spec, aliases, (low, high) = COMMANDS[command]
        options, args = parse_flags(args, spec, aliases, command)
        if len(args) < low or (high is not None and len(args) > high):
            want = f"exactly {low}" if low == high else f"at least {low}"
            raise UsageError(f'"{command}" requires {want} argument(s)')
        container_id = args[0] if args and command not in ("bundle", "pipeline") else None
        return dispatch(command, args, options, gopts)
    except FsmrunError as exc:
        _report(exc, command, container_id, log)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback reaches a user without --debug
        if debug:
            raise
        _report(FsmrunError(f"internal error: {type(exc).__name__}: {exc} "
                            "(run with --debug for the traceback)"), command, container_id, log)
        return 1


def _report(exc, command, container_id, log):
    exc.command = exc.command or command
    exc.container = exc.container or container_id
    line = f"fsmrun: {exc}"
    sys.stderr.write(line + "\n")
    if log and log[0]:
        _write_log(log[0], log[1], str(exc))


def _write_log(path, fmt, message):
    import time
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if fmt == "json":
        from fsmrun.runtime import fastjson
        line = fastjson.dumps({"level": "error", "msg": message, "time": stamp})
    else:
        escaped = message.replace("\\", "\\\\").replace('"', '\\"')
        line = f'time="{stamp}" level=error msg="{escaped}"'
    try:
        with open(path, "a") as f:
            f.write(line + "\n")
    except OSError:
        pass


def _version():
    from fsmrun import OCI_VERSION, __version__
    sys.stdout.write(f"fsmrun version {__version__}\nspec: {OCI_VERSION}\n")
    return 0


def _store(gopts):
    from fsmrun.statemachine.store import DEFAULT_ROOT, StateStore
    return StateStore(gopts.get("root") or DEFAULT_ROOT)


def _create_options(options):
    if options.get("console-socket"):
        raise FsmrunError("--console-socket: terminals are not supported yet")
    preserve = options.get("preserve-fds") or "0"
    if not preserve.isdigit():
        raise UsageError(f"invalid value {preserve!r} for flag -preserve-fds")
    return {"bundle": options.get("bundle") or ".", "pid_file": options.get("pid-file"),
            "no_pivot": bool(options.get("no-pivot")), "preserve_fds": int(preserve)}


def dispatch(command, args, options, gopts):
    if gopts.get("allow-python-steps"):
        # the flag and the variable are one switch; pipeline_rules reads it
        os.environ["FSMRUN_ALLOW_PYTHON_STEPS"] = "1"
    if command in ("create", "run"):
        from fsmrun.runtime import container
        store = _store(gopts)
        from fsmrun.statemachine.pipeline import choose
        pipeline = choose(options.get("pipeline") or gopts.get("pipeline"),
                          options.get("bundle") or ".")
        if command == "create":
            ctx, _ = container.create(store, args[0], _create_options(options), pipeline)
            return 0
        return container.run(store, args[0], _create_options(options),
                             bool(options.get("detach")), pipeline)
    if command == "start":
        from fsmrun.runtime import container
        container.start(_store(gopts), args[0])
        return 0
    if command == "state":
        from fsmrun.runtime import container, fastjson
        sys.stdout.write(fastjson.dumps(container.state(_store(gopts), args[0]), indent=2))
        return 0
    if command == "kill":
        from fsmrun.runtime import container, signals
        sig = signals.parse(args[1]) if len(args) > 1 else 15
        container.kill(_store(gopts), args[0], sig, bool(options.get("all")))
        return 0
    if command == "delete":
        from fsmrun.runtime import container
        store = _store(gopts)
        code = 0
        for container_id in args:
            if len(args) > 1:
                try:
                    container.delete(store, container_id, bool(options.get("force")))
                except FsmrunError as exc:
                    _report(exc, "delete", container_id, None)
                    code = 1
            else:
                container.delete(store, container_id, bool(options.get("force")))
        return code
    if command == "destroy":
        from fsmrun.runtime import container
        store = _store(gopts)
        for container_id in args:
            if not container.destroy(store, container_id):
                sys.stdout.write(f"fsmrun: destroy {container_id}: nothing was left\n")
        return 0
    if command == "inspect":
        from fsmrun.runtime.inspect import inspect
        sys.stdout.write(inspect(_store(gopts), args[0], options.get("format") or "text"))
        return 0
    if command == "pipeline":
        from fsmrun.runtime.pipeline_cli import pipeline_command
        return pipeline_command(args, options)
    if command == "list":
        return _list(gopts, options)
    if command == "spec":
        return _spec(options)
    if command == "bundle":
        from fsmrun.runtime.bundle import make_bundle
        extra = options.get("args")
        make_bundle(args[0], extra.split() if extra else None)
        sys.stdout.write(f"bundle ready: {os.path.abspath(args[0])}\n")
        return 0
    if command == "demo":
        from fsmrun.runtime.demo import demo
        return demo(gopts.get("root"), keep=bool(options.get("keep")))
    raise UnknownCommand(f"no such command: {command!r}")


def _list(gopts, options):
    from fsmrun.runtime import container
    states = container.list_states(_store(gopts))
    fmt = options.get("format") or "table"
    if options.get("quiet"):
        sys.stdout.write("".join(s["id"] + "\n" for s in states))
    elif fmt == "json":
        from fsmrun.runtime import fastjson
        sys.stdout.write(fastjson.dumps(states) + "\n")
    elif fmt == "table":
        rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
        rows += [(s["id"], str(s["pid"]), s["status"], s["bundle"], s["created"], s["owner"])
                 for s in states]
        widths = [max(12, max(len(r[i]) for r in rows) + 3) for i in range(6)]
        for row in rows:
            sys.stdout.write("".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + row[-1] + "\n")
    else:
        raise UsageError(f"invalid format option: {fmt!r} (table or json)")
    return 0


def _spec(options):
    import json
    from fsmrun.runtime.default_spec import default_spec
    path = os.path.join(options.get("bundle") or ".", "config.json")
    if os.path.exists(path):
        raise FsmrunError(f"File {path} exists. Remove it first.")
    with open(path, "w") as f:
        json.dump(default_spec(), f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
