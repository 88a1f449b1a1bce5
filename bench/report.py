"""Medians, ratios and targets; the table and the JSON document."""

import json
import statistics

# key, scenario, what, unit, target on the ratio fsmrun/other ("<=", ">=", None: shown only)
METRICS = [
    ("a.run", "a", "run /bin/true, to exit and deleted", "ms", "<="),
    ("b.create", "b", "create", "ms", "<="),
    ("b.start", "b", "start", "ms", "<="),
    ("b.exit", "b", "exit (start returned -> init exited)", "ms", "<="),
    ("b.delete", "b", "delete", "ms", "<="),
    ("b.total", "b", "create + start + exit + delete", "ms", "<="),
    ("c.create", "c", "create (init waits in created)", "ms", "<="),
    ("c.state", "c", "state (extra)", "ms", "<="),
    ("c.delete", "c", "delete --force", "ms", "<="),
    ("c.total", "c", "create + delete", "ms", "<="),
    ("d.rate", "d", "concurrent create/start/exit/delete", "ctr/s", ">="),
    ("e.rss_run", "e", "peak RSS of run", "MiB", "<="),
    ("e.rss_create", "e", "peak RSS of create", "MiB", "<="),
    ("e.rss_start", "e", "peak RSS of start", "MiB", "<="),
    ("e.rss_state", "e", "peak RSS of state", "MiB", "<="),
    ("e.rss_delete", "e", "peak RSS of delete --force", "MiB", "<="),
    ("e.init_rss", "e", "init RSS, waiting in created", "MiB", None),
    ("e.init_pss", "e", "init PSS, waiting in created", "MiB", "<="),
    ("f.cpu_run", "f", "CPU of run (it reaps the init)", "ms", "<="),
    ("f.cpu_calls", "f", "CPU of create+start+delete calls", "ms", None),
    ("f.cpu_init", "f", "CPU of the init, fork to exit", "ms", None),
    ("f.cpu_total", "f", "CPU of a lifecycle: calls + init", "ms", "<="),
]
SCENARIOS = "abcdef"


def _ratio(mine, theirs):
    """Median of the per-round ratios: rounds are interleaved, so a ratio
    within a round is taken under the same machine load."""
    paired = [mine[r] / theirs[r] for r in mine if r in theirs and theirs[r]]
    return statistics.median(paired) if paired else None


def summarize(values, names, scenarios):
    """values: {runtime: {metric: {round: value}}} -> one row per metric."""
    rows = []
    for key, scenario, what, unit, target in METRICS:
        if scenario not in scenarios:
            continue
        per_rt = {rt: values.get(rt, {}).get(key, {}) for rt in names}
        medians = {rt: statistics.median(v.values()) if v else None for rt, v in per_rt.items()}
        ratios = {other: _ratio(per_rt.get("fsmrun", {}), per_rt[other])
                  for other in names if other != "fsmrun" and "fsmrun" in names}
        met = None
        if target and ratios.get("runc") is not None:
            met = ratios["runc"] <= 1.0 if target == "<=" else ratios["runc"] >= 1.0
        rows.append({"key": key, "scenario": scenario, "what": what, "unit": unit,
                     "target": f"{target} 1.0" if target else None, "met": met,
                     "median": medians, "ratio": ratios,
                     "values": {rt: [v[r] for r in sorted(v)] for rt, v in per_rt.items()}})
    return rows


def _num(x):
    if x is None:
        return "n/a"
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"


def table(rows, names):
    others = [n for n in names if n != "fsmrun"]
    head = ["metric", "what", "unit", *names, *(f"fsmrun/{o}" for o in others),
            "target", "met"]
    lines = [head]
    for row in rows:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        lines.append([row["key"], row["what"], row["unit"],
                      *(_num(row["median"][n]) for n in names),
                      *(_num(row["ratio"].get(o)) for o in others),
                      row["target"] or "-", met])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for i, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) if j < 2 else cell.rjust(w)
                             for j, (cell, w) in enumerate(zip(line, widths))).rstrip())
        if i == 0:
            out.append("-" * len(out[0]))
    return "\n".join(out)


def targets_met(rows):
    """{scenario: True/False/None}: a scenario meets its target if every
    targeted metric of it does."""
    out = {}
    for s in SCENARIOS:
        mets = [r["met"] for r in rows if r["scenario"] == s and r["target"]]
        if mets:
            out[s] = None if None in mets else all(mets)
    return out


def write_json(path, document):
    with open(path, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
