"""Standard modules imported on first use rather than at `import`.

`transitions` (which the machine is built on) imports `inspect` for one call
it makes only when a model has `on_enter_<state>` methods (ours never have),
and `logging`, which imports `traceback` for formatting exceptions it never
formats here.  Together that is 8-10 ms on every create, start and delete.

A placeholder module stands in for each; the first attribute anybody reads
from it imports the real module and copies it into the placeholder, so code
holding either sees the same thing.  (importlib's LazyLoader cannot do this
in Python 3.11: an `import` statement reads the module's __spec__, which
already triggers the load.)
"""

import sys

_Module = type(sys)


class _Placeholder(_Module):
    def __getattr__(self, name):
        real = _load(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, name)


def _load(name):
    placeholder = sys.modules.pop(name)
    try:
        return __import__(name)
    except BaseException:
        sys.modules[name] = placeholder
        raise


def defer(*names):
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = _Placeholder(name)
