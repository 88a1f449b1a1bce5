"""The built-in steps, found by name through this registry.

A step is a module with `SIDE` ("parent" or "init"), `apply(ctx, record)` and
`undo(ctx, record)`, and optionally `check(ctx)`.  Steps are looked up here,
never by importing a dotted name taken from pipeline data.
"""

import importlib

BUILTIN = frozenset({
    "load_spec", "cgroup", "exec_fifo", "spawn_init", "cgroup_join",
    "namespaces", "network", "rootfs", "mounts", "devices", "pivot_root",
    "hostname", "rlimits", "process", "pid_file", "exec",
})


def get(name):
    if name not in BUILTIN:
        raise KeyError(name)
    return importlib.import_module(f"fsmrun.steps.{name}")
