"""fsmrun against runc (and crun) on one bundle: `python -m bench --help`.

Each round runs every routine on every runtime, the runtimes' order rotated
from round to round, each container with a fresh id; then checks that the
round left nothing behind. Medians over the rounds, and the median of the
per-round ratios fsmrun/runc and fsmrun/crun, go to a table and to JSON.
"""

import argparse
import ctypes
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid

if not __package__:  # run as a script, bench/run.py: make `bench` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import report  # noqa: E402
from bench.leaks import LeakChecker  # noqa: E402
from bench.runtimes import BenchError, fsmrun_argv, invoke, make_runtimes, overheads  # noqa: E402
from bench.scenarios import ROUTINES, Bundle, run_true  # noqa: E402

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
PR_SET_CHILD_SUBREAPER = 36


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, help="measured rounds (default 30; 3 with --quick)")
    p.add_argument("--warmup", type=int, help="rounds run first and not counted (default 1; 0 with --quick)")
    p.add_argument("--runtimes", default="fsmrun,runc,crun",
                   help="comma-separated, from fsmrun, runc, crun (default all three)")
    p.add_argument("--scenarios", default=report.SCENARIOS,
                   help="letters or comma-separated, from a-f (default all)")
    p.add_argument("--concurrency", type=int, help="containers at once in (d) (default 20; 5 with --quick)")
    p.add_argument("--json", help=f"where the results go (default {RESULTS_DIR}/<time>.json)")
    p.add_argument("--quick", action="store_true", help="few rounds: a smoke test, not a measurement")
    p.add_argument("--fsmrun", help="the fsmrun command (default: the installed console script "
                                    "behind `fsmrun` on PATH, not a pyenv shim)")
    p.add_argument("--keep-env", action="store_true",
                   help="run fsmrun in this environment as it is (default: with bytecode cached)")
    p.add_argument("--id-prefix", default="fsmb-", help="prefix of container ids (default fsmb-)")
    p.add_argument("--tmpdir", help="where the work directory is made (default the system's)")
    opts = p.parse_args(argv)
    opts.rounds = opts.rounds if opts.rounds is not None else (3 if opts.quick else 30)
    opts.warmup = opts.warmup if opts.warmup is not None else (0 if opts.quick else 1)
    opts.concurrency = opts.concurrency or (5 if opts.quick else 20)
    opts.runtimes = [n for n in opts.runtimes.split(",") if n]
    opts.scenarios = "".join(s for s in opts.scenarios if s in report.SCENARIOS)
    if opts.rounds < 1 or not opts.scenarios or not opts.runtimes:
        p.error("need at least one round, one scenario and one runtime")
    return opts


def become_subreaper():
    # as an engine's shim does: every init whose runtime exits becomes our
    # child, so we can wait for it, reap it and read its CPU time
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


class Bench:
    def __init__(self, opts, workdir):
        self.opts = opts
        self.workdir = workdir
        self.prefix = f"{opts.id_prefix}{uuid.uuid4().hex[:6]}-"
        self.runtimes, self.unavailable = make_runtimes(opts.runtimes, opts.fsmrun, workdir,
                                                           opts.keep_env)
        self.checker = LeakChecker(self.prefix, workdir)
        self.values = {}   # runtime -> metric -> round -> value
        self.errors = []
        self.leaks = []
        self.overheads = {}
        self.versions = {}
        self.rounds_done = 0

    def setup(self):
        path = os.path.join(self.workdir, "bundle")
        invoke([*fsmrun_argv(self.opts.fsmrun), "bundle", "--args", "true", path])
        self.bundle = Bundle(path)
        for name, rt in list(self.runtimes.items()):
            try:  # one container through each runtime before anything is measured
                run_true(rt, self.bundle, f"{self.prefix}probe-{name}", self.opts)
            except BenchError as exc:
                if name != "crun":
                    raise
                self.unavailable[name] = f"crun fails here: {exc}"
                del self.runtimes[name]
                self.checker.clean([rt])
        self.versions = {name: rt.version() for name, rt in self.runtimes.items()}
        crun = self.runtimes.get("crun")
        self.overheads = overheads(max(self.opts.rounds, 5), bool(crun and crun.note))

    def round(self, number):
        """One round; number < 0 is a warm-up, not recorded."""
        names = list(self.runtimes)
        shift = number % len(names)
        order = [self.runtimes[n] for n in names[shift:] + names[:shift]]
        label = f"w{-number}" if number < 0 else str(number)
        for routine, serves in ROUTINES:
            if not set(serves) & set(self.opts.scenarios):
                continue
            for rt in order:
                cid = f"{self.prefix}{label}-{rt.name}-{serves[0]}"
                try:
                    out = routine(rt, self.bundle, cid, self.opts)
                except BenchError as exc:
                    self.errors.append({"round": number, "runtime": rt.name, "error": str(exc)})
                    print(f"error: round {label}: {exc}", file=sys.stderr)
                    self.checker.clean([rt])
                    continue
                if number >= 0:
                    for key, value in out.items():
                        if key[0] in self.opts.scenarios:
                            self.values.setdefault(rt.name, {}).setdefault(key, {})[number] = value
        leaks = self.checker.find(self.runtimes.values())
        if leaks:
            self.leaks.append({"round": number, "leaks": leaks})
            print(f"LEAK after round {label}: {leaks}", file=sys.stderr)
            self.checker.clean(self.runtimes.values())
        if number >= 0:
            self.rounds_done += 1

    def document(self, rows, interrupted):
        return {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {"kernel": platform.release(), "cpus": os.cpu_count(),
                        "python": platform.python_version()},
            "rounds": self.rounds_done, "warmup": self.opts.warmup,
            "concurrency": self.opts.concurrency, "scenarios": self.opts.scenarios,
            "interrupted": interrupted,
            "runtimes": {n: {"argv": rt.argv, "version": self.versions.get(n), "note": rt.note}
                         for n, rt in self.runtimes.items()},
            "unavailable": self.unavailable,
            "overheads": self.overheads,
            "targets_met": report.targets_met(rows),
            "metrics": rows,
            "errors": self.errors,
            "leaks": self.leaks,
        }


def print_header(doc):
    print(f"fsmrun benchmark, {doc['date']}: {doc['rounds']} rounds (+{doc['warmup']} warm-up), "
          f"{doc['machine']['cpus']} CPUs, kernel {doc['machine']['kernel']}, "
          f"(d) with {doc['concurrency']} containers at once")
    for name, info in doc["runtimes"].items():
        print(f"  {name}: {info['version']}: {' '.join(info['argv'])}")
        if info["note"]:
            print(f"    {info['note']}")
    for name, why in doc["unavailable"].items():
        print(f"  {name}: unavailable: {why}")
    for label, cost in doc["overheads"].items():
        print(f"  {label}: {cost['wall_ms']:.1f} ms wall, {cost['cpu_ms']:.1f} ms CPU, "
              f"{cost['maxrss_mib']:.1f} MiB peak RSS")
    print("medians over rounds; ratios are medians of the per-round ratios\n")


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    become_subreaper()
    workdir = tempfile.mkdtemp(prefix="fsmrun-bench-", dir=opts.tmpdir)
    bench = None
    interrupted = False
    try:
        bench = Bench(opts, workdir)
        bench.setup()
        for number in range(-opts.warmup, opts.rounds):
            started = time.monotonic()
            bench.round(number)
            done = "warm-up" if number < 0 else f"{number + 1}/{opts.rounds}"
            print(f"round {done} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: cleaning up, then reporting the rounds done", file=sys.stderr)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if bench is not None:
            bench.checker.clean(bench.runtimes.values())
        shutil.rmtree(workdir, ignore_errors=True)
        if os.path.exists(workdir):
            print(f"bench: could not remove {workdir}", file=sys.stderr)
    if bench is None:  # interrupted before it began
        return 130
    names = list(bench.runtimes)
    rows = report.summarize(bench.values, names, opts.scenarios)
    doc = bench.document(rows, interrupted)
    print_header(doc)
    print(report.table(rows, names))
    met = doc["targets_met"]
    print("\ntargets met (fsmrun/runc): " + ", ".join(
        f"({s}) {'-' if m is None else 'yes' if m else 'no'}" for s, m in met.items()))
    path = opts.json or os.path.join(RESULTS_DIR, time.strftime("%Y%m%d-%H%M%S") + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    report.write_json(path, doc)
    print(f"results: {path}")
    if bench.errors or bench.leaks:
        print(f"{len(bench.errors)} errors, {len(bench.leaks)} rounds with leaks: see the JSON")
    if interrupted:
        return 130
    return 1 if bench.errors or bench.leaks else 0


if __name__ == "__main__":
    sys.exit(main())
