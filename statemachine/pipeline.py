"""Pipelines: the ordered phases of each side, read from YAML.

Parsing YAML costs an import of PyYAML (about 14 ms) on every command, so a
pipeline is compiled once to JSON in a cache under the state root, keyed by
the file's path, size and modification time.
"""

import json
import os

from fsmrun.runtime.errors import FsmrunError

SIDES = ("parent", "init")
DEFAULT_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)),
                            "pipelines", "default.yaml")


class Phase:
    __slots__ = ("name", "side", "options")

    def __init__(self, name, side, options=None):
        self.name = name
        self.side = side
        self.options = options or {}

    def to_json(self):
        out = {"step": self.name, "side": self.side}
        if self.options:
            out["options"] = self.options
        return out

    @classmethod
    def from_json(cls, data):
        return cls(data["step"], data["side"], data.get("options"))


class Pipeline:
    def __init__(self, name, create, start):
        self.name = name
        self.create = create     # phases of `creating`, in order
        self.start = start       # init phases run once `start` releases it

    def to_json(self):
        return {"name": self.name,
                "create": [p.to_json() for p in self.create],
                "start": [p.to_json() for p in self.start]}

    @classmethod
    def from_json(cls, data):
        return cls(data["name"], [Phase.from_json(p) for p in data["create"]],
                   [Phase.from_json(p) for p in data["start"]])

    def phase(self, name):
        for p in self.create + self.start:
            if p.name == name:
                return p
        raise KeyError(name)


def _parse_entries(path, section, entries):
    from fsmrun import steps
    phases = []
    for entry in entries or []:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise FsmrunError(f"pipeline {path}: {section}: each entry is `step: side`, got {entry!r}")
        (name, side), = entry.items()
        if side not in SIDES:
            raise FsmrunError(f"pipeline {path}: {section}: step {name}: side must be parent or init, got {side!r}")
        if name not in steps.BUILTIN:
            raise FsmrunError(f"pipeline {path}: {section}: unknown step {name!r}")
        phases.append(Phase(name, side))
    return phases


def parse(path):
    """Read a pipeline file (YAML) into a Pipeline."""
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path) as f:
            data = yaml.load(f, Loader=loader)
    except OSError as exc:
        raise FsmrunError(f"pipeline {path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise FsmrunError(f"pipeline {path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise FsmrunError(f"pipeline {path}: must be a mapping with `create` and `start`")
    return Pipeline(str(data.get("name", os.path.basename(path))),
                    _parse_entries(path, "create", data.get("create")),
                    _parse_entries(path, "start", data.get("start")))


def load(path=DEFAULT_FILE, cache_dir=None):
    """The pipeline in `path`, from the compiled cache when it is current."""
    if cache_dir is None:
        return parse(path)
    st = os.stat(path)
    key = f"{os.path.abspath(path)}:{st.st_size}:{st.st_mtime_ns}"
    cache = os.path.join(cache_dir, "pipeline-" + _hash(key) + ".json")
    try:
        with open(cache, "rb") as f:
            return Pipeline.from_json(json.loads(f.read()))
    except (OSError, ValueError, KeyError):
        pass
    pipeline = parse(path)
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(pipeline.to_json(), f)
        os.rename(tmp, cache)
    except OSError:
        pass  # a cache we cannot write only costs time
    return pipeline


def _hash(text):
    # zlib is a builtin module; hashlib would load OpenSSL
    import zlib
    return "%08x" % zlib.crc32(text.encode())
