"""What makes a pipeline runnable, checked before anything is applied.

- names: each phase has a unique name, not one of the lifecycle's states;
- steps: each phase's step exists (a built-in, `exec`, or an allowed
  `package.module:Object` with SIDE, apply and undo) and takes its options;
- sides: each phase runs on a side its step allows;
- required steps are there, in their list, with their built-in
  implementation (see REQUIRED);
- order: init phases of `create` come after `spawn_init` (there is no init
  before it); a step that does not return (`exec`) is the last of its side
  in its list; every step's AFTER names steps that must come before it, its
  BEFORE steps that, if present, must come after it.
"""

import os
import re

from fsmrun import steps
from fsmrun.statemachine.lifecycle import NOT_PHASE_NAMES
from fsmrun.statemachine.pipeline import SIDES

# step -> the list it must be in.  Without these there is no container:
# the spec, the fifo `start` opens, the init, its namespaces (without them
# rootfs and pivot_root would act on the host's mount table), the pid file
# engines wait for, and the exec of the process.
REQUIRED = {"load_spec": "create", "exec_fifo": "create", "spawn_init": "create",
            "namespaces": "create", "pid_file": "create", "exec": "start"}

# The order the built-in steps need, kept here so that what a custom
# pipeline must not break is in one place; new steps declare AFTER/BEFORE.
BUILTIN_AFTER = {
    "exec_fifo": ("load_spec",), "cgroup": ("load_spec",),
    "spawn_init": ("load_spec", "exec_fifo"), "pid_file": ("spawn_init",),
    "cgroup_join": ("cgroup",), "network": ("namespaces",), "rootfs": ("namespaces",),
    "mounts": ("rootfs",), "devices": ("mounts",), "pivot_root": ("rootfs",),
    "hostname": ("namespaces",),
}

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_PYTHON_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*\Z")


def python_steps_allowed():
    return os.environ.get("FSMRUN_ALLOW_PYTHON_STEPS") == "1"


def check(pipeline, src, edits):
    """Raise PipelineError (through `src.fail`) on the first problem."""
    order = pipeline.create + pipeline.start
    seen = {}
    implementations = {}
    for phase in order:
        _check_name(src, phase, seen)
        step = _step(src, phase)
        implementations[phase.name] = step
        _check_side(src, phase, step, edits.old_sides.get(phase.name))
        _check_options(src, phase, step)
    _check_required(src, pipeline, edits)
    _check_order(src, pipeline, implementations, edits)


def _check_name(src, phase, seen):
    name = phase.name
    if not isinstance(name, str) or not _NAME.match(name):
        src.fail(phase.line, f"step name {name!r}: use lowercase letters, digits and _ "
                             "(at most 64, starting with a letter)")
    if name in NOT_PHASE_NAMES:
        src.fail(phase.line, "a step cannot be named after a lifecycle state "
                             f"({', '.join(sorted(NOT_PHASE_NAMES))})", name)
    if name in seen:
        first = seen[name]
        line = phase.line or first.line
        src.fail(line, "the name is used twice: give the new step a name of its own"
                       + (f" (`uses: {name}` runs the same step)" if phase.uses == name else ""),
                 name)
    seen[name] = phase


def _step(src, phase):
    uses = phase.uses
    what = f"uses {uses!r}" if uses != phase.name else "unknown step"
    if not isinstance(uses, str):
        src.fail(phase.line, f"uses: must be a string, got {uses!r}", phase.name)
    if ":" in uses and uses != steps.EXEC:
        if not _PYTHON_REF.match(uses):
            src.fail(phase.line, f"uses {uses!r}: a Python step is `package.module:Object`",
                     phase.name)
        if not python_steps_allowed():
            src.fail(phase.line, f"uses Python object {uses}: Python steps are off; allow them "
                                 "with `fsmrun --allow-python-steps` or "
                                 "FSMRUN_ALLOW_PYTHON_STEPS=1", phase.name)
        try:
            step = steps.resolve(phase)
        except Exception as exc:  # noqa: BLE001 - any failure of user code is reported
            src.fail(phase.line, f"cannot load {uses}: {type(exc).__name__}: {exc}", phase.name)
    else:
        try:
            step = steps.resolve(phase)
        except KeyError:
            src.fail(phase.line, f"{what}: not a built-in step (built-in: "
                                 f"{', '.join(sorted(steps.BUILTIN))}; or `exec:`, or "
                                 "`uses: package.module:Object`)", phase.name)
    for attr in ("SIDE", "apply", "undo"):
        if not hasattr(step, attr):
            src.fail(phase.line, f"{uses} is not a step: it has no {attr}", phase.name)
    return step


def sides_of(step):
    side = step.SIDE
    return (side,) if isinstance(side, str) else tuple(side)


def _check_side(src, phase, step, old_side):
    allowed = sides_of(step)
    if phase.side is None:
        # a replacement keeps the replaced phase's side when it can run there
        phase.side = old_side if old_side in allowed else allowed[0] if len(allowed) == 1 else None
        if phase.side is None:
            src.fail(phase.line, "side: give `parent` or `init` (this step runs on both)",
                     phase.name)
    if phase.side not in SIDES:
        src.fail(phase.line, f"side must be parent or init, got {phase.side!r}", phase.name)
    if phase.side not in allowed:
        src.fail(phase.line, f"{_kind(phase)} runs on the {' or '.join(allowed)} side only, "
                             f"not {phase.side}", phase.name)


def _check_options(src, phase, step):
    schema = getattr(step, "OPTIONS", {})
    kind = _kind(phase)
    for key, value in phase.options.items():
        if key not in schema:
            takes = f"takes: {', '.join(schema)}" if schema else "takes no options"
            src.fail(phase.line, f"unknown option {key!r} ({kind} {takes})", phase.name)
        types = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            from fsmrun.statemachine.pipeline_file import TYPE_NAMES
            want = " or ".join(TYPE_NAMES[t] for t in types)
            src.fail(phase.line, f"option {key}: must be {want}, got {value!r}", phase.name)
    for key in getattr(step, "REQUIRED_OPTIONS", ()):
        if key not in phase.options:
            src.fail(phase.line, f"option {key} is required ({kind})", phase.name)
    validate = getattr(step, "validate_options", None)
    if validate is not None:
        try:
            validate(phase.options)
        except ValueError as exc:
            src.fail(phase.line, str(exc), phase.name)


def _check_required(src, pipeline, edits):
    lists = {"create": pipeline.create, "start": pipeline.start}
    for name, where in REQUIRED.items():
        if any(p.uses == name for p in lists[where]):
            continue
        line = edits.removed[name][0] if name in edits.removed else None
        other = [p for p in pipeline.create + pipeline.start if p.name == name or p.uses == name]
        if other and other[0].uses != name:
            src.fail(other[0].line, f"{name} is required: it can be configured, not replaced",
                     name)
        if other:
            src.fail(other[0].line, f"{name} belongs in the `{where}` list", name)
        src.fail(line, f"{name} is required: it cannot be removed", name)


def _check_order(src, pipeline, implementations, edits):
    order = pipeline.create + pipeline.start
    position = {p.name: i for i, p in enumerate(order)}
    spawn = next(i for i, p in enumerate(order) if p.uses == "spawn_init")
    for phase in pipeline.create:
        if phase.side == "init" and position[phase.name] < spawn:
            src.fail(phase.line, "an init step must come after spawn_init "
                                 "(there is no init before it)", phase.name)
    for phases in (pipeline.create, pipeline.start):
        for i, phase in enumerate(phases):
            if getattr(implementations[phase.name], "RETURNS", True):
                continue
            later = [p for p in phases[i + 1:] if p.side == phase.side]
            if later:
                src.fail(later[0].line, f"never runs: {phase.name} comes before it on the "
                                        f"{phase.side} side and does not return", later[0].name)
    for phase in order:
        step = implementations[phase.name]
        here = position[phase.name]
        for needed in BUILTIN_AFTER.get(phase.uses, ()) + tuple(getattr(step, "AFTER", ())):
            before = [p for p in order[:here] if p.uses == needed]
            if before:
                continue
            if needed in edits.removed:
                src.fail(edits.removed[needed][0], f"cannot be removed: {phase.name} needs it "
                                                   "before it", needed)
            src.fail(phase.line, f"must come after {needed}"
                                 + ("" if any(p.uses == needed for p in order)
                                    else ", which this pipeline does not have"), phase.name)
        for later in getattr(step, "BEFORE", ()):
            if any(p.uses == later for p in order[:here]):
                src.fail(phase.line, f"must come before {later}", phase.name)


def _kind(phase):
    return "an exec step" if phase.uses == steps.EXEC else phase.uses
