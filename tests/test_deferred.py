"""The deferred standard modules behave as the real ones once used."""

import os
import subprocess
import sys

import fsmrun
import transitions

CODE = """
import sys
sys.path[:0] = %r
from fsmrun.runtime import deferred
deferred.defer("inspect", "traceback")
import transitions
assert type(sys.modules["inspect"]).__name__ == "_Placeholder", "loaded at import"
import inspect, traceback
assert inspect.ismethod(deferred.defer) is False and inspect.isfunction(deferred.defer)
assert traceback.format_exception_only(ValueError("x")) == ["ValueError: x\\n"]
from inspect import signature
assert str(signature(deferred.defer)) == "(*names)"
print("ok")
"""


def test_deferred_modules_load_on_first_use():
    # a bare interpreter (-S, no coverage), as the fsmrun launcher runs one:
    # with `site` something may have imported inspect already
    paths = [os.path.dirname(os.path.dirname(fsmrun.__file__)),
             os.path.dirname(os.path.dirname(transitions.__file__))]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    out = subprocess.run([sys.executable, "-S", "-c", CODE % paths],
                         capture_output=True, text=True, env=env)
    assert out.stdout == "ok\n", out.stderr
