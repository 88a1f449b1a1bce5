"""The benchmark runs, reports every scenario with sane numbers and leaves
nothing behind. It asserts no timing: fsmrun against runc is what the
benchmark measures, not what a test may require."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PREFIX

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIMES = ("fsmrun", "runc")
# unit -> what a measurement in that unit may sanely be
SANE = {"ms": (0, 60_000), "MiB": (0.1, 1024), "ctr/s": (0.01, 10_000)}


def test_every_scenario_is_reported_with_sane_numbers_and_nothing_left(fsmrun, workdir):
    # `fsmrun` comes first: its leak checker (cgroups, mounts, container
    # processes) looks before the benchmark runs and after the test
    if shutil.which("runc") is None:
        pytest.skip("runc is not installed")
    path = os.path.join(workdir, "results.json")
    # ids with the test suite's prefix, so that the suite's leak checks see them
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--rounds", "2",
         "--runtimes", ",".join(RUNTIMES), "--json", path,
         "--id-prefix", PREFIX, "--tmpdir", workdir],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(path) as f:
        doc = json.load(f)

    assert doc["rounds"] == 2 and not doc["errors"] and not doc["leaks"]
    assert {row["scenario"] for row in doc["metrics"]} == set("abcdef")
    for row in doc["metrics"]:
        low, high = SANE[row["unit"]]
        if row["key"].startswith("f."):
            low = 0  # CPU time is sampled: a tiny process may show none
        for runtime in RUNTIMES:
            values = row["values"][runtime]
            assert len(values) == 2, row
            assert all(low <= v <= high for v in values), (runtime, row)
        assert row["key"].startswith("f.") or row["ratio"]["runc"] > 0, row
        assert row["key"] in proc.stdout
    # the benchmark's work directory (bundle, roots) is gone
    assert sorted(os.listdir(workdir)) == ["results.json"]
