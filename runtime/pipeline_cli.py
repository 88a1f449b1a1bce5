"""`fsmrun pipeline check|show|graph [FILE]`: a pipeline as the runtime
would run it, without running anything.

check  read and check FILE as `create --pipeline FILE` would, say what it has
show   the resolved phases of each list, side by side (`--format json`: the
       compiled form, as `pipelines/default.json` holds it)
graph  the lifecycle machine (`--format mermaid` or `dot`)

Without FILE, show and graph use the default pipeline.
"""

import json
import os
import sys

from fsmrun.runtime.errors import UsageError
from fsmrun.statemachine import pipeline as pipelines
from fsmrun.statemachine import pipeline_file

FORMATS = {"check": ("text",), "show": ("text", "json"), "graph": ("mermaid", "dot")}


def pipeline_command(args, options):
    from fsmrun.runtime.main import parse_flags
    verb, rest = args[0], args[1:]
    if verb not in FORMATS:
        raise UsageError(f"no such subcommand {verb!r} (check, show, graph)")
    # the flags may come after the subcommand, before or after FILE
    more, rest = parse_flags(rest, {"format": True}, {"f": "format"}, f"pipeline {verb}")
    path, rest = (rest[0], rest[1:]) if rest else (None, [])
    more2, rest = parse_flags(rest, {"format": True}, {"f": "format"}, f"pipeline {verb}")
    if rest:
        raise UsageError(f"{verb}: one FILE at most, got {len(rest) + 1}")
    options = {**options, **more, **more2}
    fmt = options.get("format") or FORMATS[verb][0]
    if fmt not in FORMATS[verb]:
        raise UsageError(f"{verb}: --format {fmt!r}: {' or '.join(FORMATS[verb])}")
    if verb == "check" and path is None:
        raise UsageError("check: which file? (fsmrun pipeline check FILE)")
    # always parse: `check` must not trust a compiled default
    pipeline = pipeline_file.read(path or pipelines.DEFAULT_FILE)
    if verb == "check":
        phases = pipeline.create + pipeline.start
        parent = sum(p.side == "parent" for p in phases)
        out = (f"{path}: ok: pipeline {pipeline.name}, {len(phases)} phases "
               f"({parent} parent, {len(phases) - parent} init)\n")
    elif verb == "show":
        out = compiled(pipeline, path) if fmt == "json" else show(pipeline)
    else:
        from fsmrun.statemachine import diagram
        out = diagram.mermaid(pipeline) if fmt == "mermaid" else diagram.dot(pipeline)
    sys.stdout.write(out)
    return 0


def compiled(pipeline, path):
    """The JSON the runtime loads, stamped with the source it came from."""
    path = path or pipelines.DEFAULT_FILE
    with open(path, "rb") as f:
        stamp = pipelines.source_stamp(f.read())
    data = {"compiled_from": {"file": os.path.basename(path), "crc32": stamp},
            **pipeline.to_json()}
    data.pop("source", None)  # machine-specific; the stamp says enough
    return json.dumps(data, indent=1) + "\n"


def show(pipeline):
    lines = [f"pipeline {pipeline.name}" + (f": {pipeline.source}" if pipeline.source else "")]
    configured = []
    for title, phases in (("create", pipeline.create), ("start", pipeline.start)):
        names = [_name(p) for p in phases]
        width = max([len(n) for n, p in zip(names, phases) if p.side == "parent"] + [6])
        lines.append(f"{title:<7}{'parent':<{width}}  init")
        for i, (name, phase) in enumerate(zip(names, phases), 1):
            column = name if phase.side == "parent" else " " * width + "  " + name
            lines.append(f"{i:>4}   {column}".rstrip())
            if phase.options:
                configured.append(f"  {phase.name}: {json.dumps(phase.options)}")
    if configured:
        lines += ["options:", *configured]
    return "\n".join(lines) + "\n"


def _name(phase):
    if phase.uses == phase.name:
        return phase.name
    return f"{phase.name} ({phase.uses.lstrip('@')})"
