"""Every transition of the default pipeline, interrupted every way, then
`destroy`: nothing may be left behind (see faultmatrix.py)."""

import pytest

from faultmatrix import run_case
from fsmrun.runtime import faults
from fsmrun.statemachine import pipeline as pipelines

DEFAULT = pipelines.load()
CASES = faults.cases(DEFAULT)
MATRIX_SIZES = {"default": len(CASES)}


def test_the_matrix_covers_every_phase_of_the_pipeline():
    covered = {case[0] for case in CASES}
    assert covered == {p.name for p in DEFAULT.create + DEFAULT.start}
    for mode in faults.MODES:
        assert any(case[2] == mode for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[faults.env_value(c) for c in CASES])
def test_fault(case, fsmrun, bundle, cid, workdir):
    run_case(case, DEFAULT, fsmrun, bundle, cid, workdir)
