"""Every transition of a pipeline, interrupted every way, then `destroy`:
nothing may be left behind (see faultmatrix.py).  The default pipeline and a
custom one with a host mount and an exec step get the whole matrix; the
example pipelines, the cases of their own steps."""

import os

import pytest

from faultmatrix import run_case
from fsmrun.runtime import faults
from fsmrun.statemachine import pipeline as pipelines

HERE = os.path.dirname(__file__)
REPO = os.path.dirname(HERE)
DEFAULT = pipelines.load()
CUSTOM_FILE = os.path.join(HERE, "pipelines", "host_mount_and_exec.yaml")
CUSTOM = pipelines.load(CUSTOM_FILE)
EXAMPLES = {name: os.path.join(REPO, "pipelines", f"{name}.yaml")
            for name in ("overlay", "audit", "veth")}
DEFAULT_NAMES = {p.name for p in DEFAULT.create + DEFAULT.start}


def own_cases(path):
    pipeline = pipelines.load(path)
    return [case for case in faults.cases(pipeline) if case[0] not in DEFAULT_NAMES]


CASES = [("default", None, case) for case in faults.cases(DEFAULT)]
CASES += [("custom", CUSTOM_FILE, case) for case in faults.cases(CUSTOM)]
for _name, _path in EXAMPLES.items():
    CASES += [(_name, _path, case) for case in own_cases(_path)]
MATRIX_SIZES = {}
for _name, _path, _case in CASES:
    MATRIX_SIZES[_name] = MATRIX_SIZES.get(_name, 0) + 1


def test_the_matrix_covers_every_phase_of_the_pipelines():
    for name, pipeline in (("default", DEFAULT), ("custom", CUSTOM)):
        covered = {case[0] for n, _, case in CASES if n == name}
        assert covered == {p.name for p in pipeline.create + pipeline.start}
    for name, path in EXAMPLES.items():
        pipeline = pipelines.load(path)
        own = {p.name for p in pipeline.create + pipeline.start} - DEFAULT_NAMES
        assert own and own == {case[0] for n, _, case in CASES if n == name}
    for mode in faults.MODES:
        assert any(case[2] == mode for _, _, case in CASES)


@pytest.mark.parametrize("name,path,case", CASES,
                         ids=[f"{n}-{faults.env_value(c)}" for n, _, c in CASES])
def test_fault(name, path, case, fsmrun, bundle, cid, workdir, monkeypatch):
    monkeypatch.setenv("FSMRUN_AUDIT_LOG", os.path.join(workdir, "audit.log"))
    pipeline = pipelines.load(path) if path else DEFAULT
    run_case(case, pipeline, fsmrun, bundle, cid, workdir,
             extra_args=("--pipeline", path) if path else ())
