"""The built-in steps, found by name through this registry.

A step is a module with `SIDE` ("parent" or "init", or a tuple of both),
`apply(ctx, record)` and `undo(ctx, record)`, and optionally `record(ctx)`,
`check(ctx)`, `OPTIONS` and the order it needs (`AFTER`, `BEFORE`): see
docs/pipelines.md.  Built-in steps are looked up here by name; a dotted
name from pipeline data is imported only as `package.module:Object`, when
the user allows Python steps.
"""

import importlib

BUILTIN = frozenset({
    "load_spec", "cgroup", "exec_fifo", "spawn_init", "cgroup_join",
    "namespaces", "network", "rootfs", "mounts", "devices", "pivot_root",
    "hostname", "sysctl", "readonly_paths", "masked_paths", "rlimits", "process",
    "capabilities", "pid_file", "exec",
    "hooks_prestart", "hooks_create_runtime", "hooks_create_container",
    "hooks_start_container", "hooks_poststart", "hooks_poststop",
    # not in the default pipeline: for custom ones (pipelines/*.yaml)
    "overlay_rootfs", "veth",
})


def get(name):
    if name not in BUILTIN:
        raise KeyError(name)
    return importlib.import_module(f"fsmrun.steps.{name}")


# `uses` of an exec step (a pipeline's `exec:`): not a module name, so no
# built-in step can be mistaken for it (`exec` is the process's exec)
EXEC = "@exec"


def resolve(phase):
    """The step that implements a pipeline phase (a module or an object with
    the same functions).  Steps read their options from `ctx.phase.options`.

    A `package.module:Object` is imported here, for any pipeline that names
    it: whether a pipeline file may name one is checked when the file is
    read (pipeline_rules); a pipeline in a container's state was checked so
    when it was created.  A class is instantiated without arguments.
    """
    uses = phase.uses
    if uses == EXEC:
        return importlib.import_module("fsmrun.steps.exec_step")
    if ":" in uses:
        module, _, attr = uses.partition(":")
        obj = getattr(importlib.import_module(module), attr)
        return obj() if isinstance(obj, type) else obj
    return get(uses)
