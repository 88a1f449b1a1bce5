"""The deferred standard modules behave as the real ones once used."""

import subprocess
import sys

CODE = """
import sys
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
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert out.stdout == "ok\n", out.stderr
