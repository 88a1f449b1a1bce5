"""The lifecycle machine as a picture: mermaid `stateDiagram-v2` or graphviz
dot text, drawn from `lifecycle.definition`, the states and transitions the
runtime builds its machine from.  Phase states are coloured by side; the
`start` transition is labelled with the phases `start` runs.  A transition
from any state (`destroy`) is drawn from each state but its destination.
"""

from fsmrun.statemachine import lifecycle

COLOURS = {"parent": "#dbeafe", "init": "#dcfce7"}


def edges(pipeline):
    """(states, [(source, dest, label)]) of the pipeline's machine."""
    states, transitions = lifecycle.definition(pipeline)
    out = []
    for t in transitions:
        source = t["source"]
        sources = states if source == "*" else source if isinstance(source, list) else [source]
        for s in sources:
            if source == "*" and s == t["dest"]:
                continue
            out.append((s, t["dest"], _label(pipeline, t["trigger"])))
    return states, out


def _label(pipeline, trigger):
    if trigger != "start" or not pipeline.start:
        return trigger
    sides = [f"{side}: {', '.join(p.name for p in pipeline.start if p.side == side)}"
             for side in ("init", "parent") if any(p.side == side for p in pipeline.start)]
    return f"start ({'; '.join(sides)})"


def mermaid(pipeline):
    states, arrows = edges(pipeline)
    lines = ["stateDiagram-v2"]
    for phase in pipeline.create:
        lines.append(f'    state "{_title(phase)}" as {phase.name}')
    lines.append(f"    [*] --> {states[0]}")
    lines += [f"    {s} --> {d}: {label}" for s, d, label in arrows]
    lines.append("    deleted --> [*]")
    for side, colour in COLOURS.items():
        names = [p.name for p in pipeline.create if p.side == side]
        if names:
            lines.append(f"    classDef {side} fill:{colour}")
            lines.append(f"    class {', '.join(names)} {side}")
    return "\n".join(lines) + "\n"


def dot(pipeline):
    states, arrows = edges(pipeline)
    sides = {p.name: p for p in pipeline.create}
    lines = [f'digraph "{pipeline.name}" {{', '    node [shape=box, style="rounded,filled", '
             'fillcolor=white, fontname=sans];']
    for name in states:
        phase = sides.get(name)
        if phase is None:
            lines.append(f'    "{name}";')
        else:
            label = _title(phase).replace(" (", "\\n(", 1)
            lines.append(f'    "{name}" [label="{label}", fillcolor="{COLOURS[phase.side]}"];')
    lines += [f'    "{s}" -> "{d}" [label="{label}"];' for s, d, label in arrows]
    return "\n".join(lines) + "\n}\n"


def _title(phase):
    uses = "" if phase.uses == phase.name else f", uses {phase.uses.lstrip('@')}"
    return f"{phase.name} ({phase.side}{uses})"
