"""`fsmrun inspect ID`: the journal as a person reads it."""

import json
import time

from fsmrun import steps
from fsmrun.runtime import container


def describe_undo(ctx, entry):
    if entry["status"] == "undone":
        return "(undone)"
    if entry.get("undo") is False:
        if entry["side"] == "init":
            return "nothing on the host: goes with the init's namespaces"
        return "nothing to undo"
    phase = container._phase_of(ctx, entry)
    try:
        step = steps.resolve(phase)
    except (KeyError, ImportError, AttributeError):
        return "unknown step"
    describe = getattr(step, "describe_undo", None)
    if describe is not None:
        return describe(entry["record"])
    if entry["side"] == "init":
        return "nothing on the host: goes with the init's namespaces"
    return "nothing to undo"


def rows(ctx):
    out = []
    for index, entry in enumerate(ctx.journal.records, 1):
        started = entry.get("started")
        finished = entry.get("finished")
        out.append({
            "index": index, "phase": entry["step"], "side": entry["side"],
            "status": entry["status"], "started": started,
            "took_ms": round((finished - started) * 1000, 3) if finished and started else None,
            "undo": describe_undo(ctx, entry), "record": entry["record"],
        })
    return out


def inspect(store, container_id, fmt="text"):
    ctx = container.open_container(store, container_id, "inspect", lock=False)
    doc = ctx.journal.doc
    status = container.status_of(doc, ctx.fifo_path)
    table = rows(ctx)
    if fmt == "json":
        return json.dumps({"id": container_id, "status": status, "phase": doc.get("phase"),
                           "pipeline": ctx.pipeline.name, "journal": table}, indent=2) + "\n"
    lines = [f"container {container_id}: {status}, last phase {doc.get('phase')} "
             f"(pipeline {ctx.pipeline.name}), state in {ctx.state_dir}",
             f"{'#':>3}  {'phase':<24}{'side':<8}{'status':<10}{'started':<15}{'took':>10}  undo"]
    for row in table:
        started = (time.strftime("%H:%M:%S", time.localtime(row["started"]))
                   + f".{int(row['started'] % 1 * 1000):03d}") if row["started"] else "-"
        took = f"{row['took_ms']:.2f} ms" if row["took_ms"] is not None else "-"
        lines.append(f"{row['index']:>3}  {row['phase']:<24}{row['side']:<8}{row['status']:<10}"
                     f"{started:<15}{took:>10}  {row['undo']}")
    return "\n".join(lines) + "\n"
