"""Reading a pipeline file: YAML with its line numbers, the schema, and the
edits a pipeline makes to the one it extends.  pipeline_rules then checks
that the result can run.  Every error names the file, the line and the step.

The schema (docs/pipelines.md has it with examples):

    name: NAME                  # default: the file's name
    description: TEXT
    extends: default            # or the lists themselves:
    create: [ENTRY, ...]        #   ENTRY is `NAME: SIDE` or a DEFINITION
    start: [ENTRY, ...]
    replace: [DEFINITION, ...]  # the step named `step` gets a new implementation
    remove: [NAME, ...]
    insert: [DEFINITION + `before: NAME` or `after: NAME`, ...]
    options: {NAME: {OPTION: VALUE}}

    DEFINITION: {step: NAME, side: parent|init, uses: STEP | package.module:Object,
                 options: {...}}  or  {step: NAME, side: parent, exec: {apply:, undo:,
                 timeout:, env:}}

Edits apply in that order (replace, remove, insert in file order, options),
so an insert may anchor on a step inserted above it.
"""

import os

from fsmrun.runtime.errors import FsmrunError
from fsmrun.statemachine.pipeline import Phase, Pipeline

TOP_KEYS = {"name": str, "description": str, "extends": str, "create": list,
            "start": list, "replace": list, "remove": list, "insert": list, "options": dict}
DEFINITION_KEYS = {"step": str, "side": str, "uses": str, "exec": dict, "options": dict}
INSERT_KEYS = {**DEFINITION_KEYS, "before": str, "after": str}
TYPE_NAMES = {str: "a string", list: "a list", dict: "a mapping", int: "an integer",
              float: "a number", bool: "true or false"}


class PipelineError(FsmrunError):
    """A pipeline that cannot run: `FILE:LINE: step NAME: problem`."""


class Source:
    """The file being read, to name it in errors."""

    def __init__(self, path):
        self.path = path

    def fail(self, line, problem, step=None):
        where = f"{self.path}:{line}" if line else self.path
        raise PipelineError(f"{where}: step {step}: {problem}" if step else f"{where}: {problem}")

    def check_keys(self, mapping, schema, what, step=None):
        for key, value in mapping.items():
            line = mapping.key_lines.get(key, mapping.line)
            if key not in schema:
                self.fail(line, f"unknown key {key!r} in {what} (known: {', '.join(schema)})",
                          step)
            if not isinstance(value, schema[key]):
                self.fail(line, f"{key}: must be {TYPE_NAMES[schema[key]]}, got {value!r}", step)


class Map(dict):
    """A YAML mapping that knows its line and the line of each key."""
    line = 0
    key_lines = {}


class Seq(list):
    """A YAML sequence that knows the line of each item."""
    line = 0
    item_lines = ()


def _loader():
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        pass

    def mapping(loader, node):
        out = Map()
        out.line, out.key_lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                given = key in out
            except TypeError:  # a list or a mapping as a key
                raise _Refused(line, f"a key must be a name, got {key!r}") from None
            if given:
                raise _Refused(line, f"key {key!r} is given twice")
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = line
        return out

    def sequence(loader, node):
        out = Seq(loader.construct_object(item, deep=True) for item in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [item.start_mark.line + 1 for item in node.value]
        return out

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", sequence)
    return yaml, Loader


class _Refused(Exception):
    """Raised from inside the loader, where the file's name is not known."""

    def __init__(self, line, problem):
        super().__init__(line, problem)
        self.line, self.problem = line, problem


def load_yaml(src):
    yaml, loader = _loader()
    try:
        with open(src.path, "rb") as f:
            return yaml.load(f, Loader=loader)
    except OSError as exc:
        raise PipelineError(f"{src.path}: cannot read: {exc.strerror}") from None
    except _Refused as exc:
        src.fail(exc.line, exc.problem)
    except yaml.YAMLError as exc:
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start:
            problem = f"{problem} ({context} from line {start.line + 1})"
        src.fail(mark.line + 1 if mark else None, f"not valid YAML: {problem or exc}")


def read(path):
    """The checked Pipeline in the file at `path`."""
    from fsmrun.statemachine import pipeline_rules
    src = Source(path)
    data = load_yaml(src)
    if data is None:
        src.fail(None, "the file is empty: a pipeline needs `extends: default` or "
                       "`create` and `start` lists")
    if not isinstance(data, Map):
        src.fail(getattr(data, "line", 1),
                 "a pipeline is a mapping: name, extends, insert, remove, replace, options")
    src.check_keys(data, TOP_KEYS, "a pipeline")
    if "extends" in data:
        line = data.key_lines["extends"]
        if data["extends"] != "default":
            src.fail(line, f"extends: only `default` can be extended, not {data['extends']!r}")
        if "create" in data or "start" in data:
            src.fail(line, "a pipeline either extends another or lists `create` and `start`")
        from fsmrun.statemachine.pipeline import default
        base = default()
        lists = {"create": [_copy(p) for p in base.create],
                 "start": [_copy(p) for p in base.start]}
    else:
        lists = {key: _entries(src, data.get(key), key) for key in ("create", "start")}
    edits = _edit(src, data, lists)
    name = data.get("name") or os.path.splitext(os.path.basename(path))[0]
    pipeline = Pipeline(name, lists["create"], lists["start"], os.path.abspath(path))
    pipeline_rules.check(pipeline, src, edits)
    return pipeline


def _copy(phase):
    return Phase(phase.name, phase.side, dict(phase.options), phase.uses)


def _entries(src, entries, section):
    phases = []
    for entry, line in zip(entries or (), getattr(entries, "item_lines", ())):
        if isinstance(entry, Map) and "step" in entry:
            phases.append(definition(src, entry, DEFINITION_KEYS, line))
        elif isinstance(entry, Map) and len(entry) == 1:
            (name, side), = entry.items()
            phases.append(Phase(name, side, line=line))
        else:
            src.fail(line, f"{section}: each entry is `step: side` or a mapping with `step:`, "
                           f"got {entry!r}")
    return phases


def definition(src, entry, keys, line):
    """A Phase from a DEFINITION mapping (its side may be left to the step)."""
    from fsmrun.steps import EXEC
    if not isinstance(entry, Map):
        src.fail(line, f"a step is a mapping with `step:`, got {entry!r}")
    name = entry.get("step")
    src.check_keys(entry, keys, "a step", name)
    if not name:
        src.fail(entry.line, "`step:` (the phase's name) is missing")
    if "exec" in entry:
        if "uses" in entry or "options" in entry:
            src.fail(entry.line, "an `exec:` step takes neither `uses` nor `options`", name)
        return Phase(name, entry.get("side"), dict(entry["exec"]), EXEC, entry.line)
    return Phase(name, entry.get("side"), dict(entry.get("options") or {}),
                 entry.get("uses"), entry.line)


class Edits:
    """What the edits did that pipeline_rules needs to explain an error."""

    def __init__(self):
        self.removed = {}     # phase name -> (line of its `remove`, what it used)
        self.old_sides = {}   # replaced phase name -> its side before


def _edit(src, data, lists):
    edits = Edits()
    replace = data.get("replace") or Seq()
    for entry, line in zip(replace, replace.item_lines):
        phase = definition(src, entry, DEFINITION_KEYS, line)
        where = _find(lists, phase.name)
        if where is None:
            src.fail(phase.line, "replace: no such step in the pipeline", phase.name)
        edits.old_sides[phase.name] = where[0][where[1]].side
        where[0][where[1]] = phase
    remove = data.get("remove") or Seq()
    for name, line in zip(remove, remove.item_lines):
        if not isinstance(name, str):
            src.fail(line, f"remove: a list of step names, got {name!r}")
        where = _find(lists, name)
        if where is None:
            src.fail(line, "remove: no such step in the pipeline", name)
        edits.removed[name] = (line, where[0].pop(where[1]).uses)
    insert = data.get("insert") or Seq()
    for entry, line in zip(insert, insert.item_lines):
        phase = definition(src, entry, INSERT_KEYS, line)
        anchors = [key for key in ("before", "after") if key in entry]
        if len(anchors) != 1:
            src.fail(phase.line, "insert: give exactly one of `before:` or `after:`", phase.name)
        anchor = entry[anchors[0]]
        where = _find(lists, anchor)
        if where is None:
            line = entry.key_lines[anchors[0]]
            gone = " (it is removed above)" if anchor in edits.removed else ""
            src.fail(line, f"insert {anchors[0]} {anchor!r}: no such step in the pipeline{gone}",
                     phase.name)
        where[0].insert(where[1] + (anchors[0] == "after"), phase)
    options = data.get("options") or Map()
    for name, values in options.items():
        line = options.key_lines[name]
        where = _find(lists, name)
        if where is None:
            src.fail(line, "options: no such step in the pipeline", name)
        if not isinstance(values, dict):
            src.fail(line, f"options: must be a mapping, got {values!r}", name)
        phase = where[0][where[1]]
        phase.options = {**phase.options, **values}
        phase.line = line
    return edits


def _find(lists, name):
    for phases in lists.values():
        for index, phase in enumerate(phases):
            if phase.name == name:
                return phases, index
    return None
