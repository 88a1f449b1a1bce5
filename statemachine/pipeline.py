"""Pipelines: the ordered phases of each side, and which pipeline a container uses.

The hot path never imports PyYAML (14 ms): the default pipeline ships
compiled, `pipelines/default.json`, stamped with the CRC of the
`default.yaml` it came from.  Loading it reads both files (a few KB) and
checks the stamp, so an edited `default.yaml` is never ignored: it is parsed
instead, until `default.json` is compiled again (a test keeps them in sync).
A custom pipeline is parsed and checked on every `create`
(`pipeline_file.read`): checking it is the point of choosing it.
"""

import os

from fsmrun.runtime import fastjson
from fsmrun.runtime.errors import FsmrunError

SIDES = ("parent", "init")
PIPELINES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "pipelines")
DEFAULT_FILE = os.path.join(PIPELINES_DIR, "default.yaml")
COMPILED_DEFAULT = os.path.join(PIPELINES_DIR, "default.json")

# config.json annotation naming the container's pipeline; `--pipeline` wins
ANNOTATION = "org.fsmrun.pipeline"
# where an annotation's pipeline name is looked up (a path would let whoever
# writes config.json run host commands through an `exec` step)
SEARCH_PATH = ("/etc/fsmrun/pipelines", PIPELINES_DIR)


class Phase:
    """One phase of a pipeline: a uniquely named use of a step on one side.

    `uses` names the step's implementation: a built-in step name (the
    default is the phase's own name), `@exec` (an exec step) or
    `package.module:Object`.  `line` is where the pipeline file defined it,
    for error messages only; it is not stored.
    """
    __slots__ = ("name", "side", "options", "uses", "line")

    def __init__(self, name, side, options=None, uses=None, line=None):
        self.name = name
        self.side = side
        self.options = options or {}
        self.uses = uses or name
        self.line = line

    def to_json(self):
        out = {"step": self.name, "side": self.side}
        if self.options:
            out["options"] = self.options
        if self.uses != self.name:
            out["uses"] = self.uses
        return out

    @classmethod
    def from_json(cls, data):
        return cls(data["step"], data["side"], data.get("options"), data.get("uses"))


class Pipeline:
    def __init__(self, name, create, start, source=None):
        self.name = name
        self.create = create     # phases of `creating`, in order
        self.start = start       # phases each side runs once `start` releases the init
        self.source = source     # the file it was read from, for people

    def to_json(self):
        out = {"name": self.name,
               "create": [p.to_json() for p in self.create],
               "start": [p.to_json() for p in self.start]}
        if self.source:
            out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data):
        return cls(data["name"], [Phase.from_json(p) for p in data["create"]],
                   [Phase.from_json(p) for p in data["start"]], data.get("source"))

    def phase(self, name):
        for p in self.create + self.start:
            if p.name == name:
                return p
        raise KeyError(name)


def load(path=None, cache_dir=None):
    """The pipeline in `path` (None: the default), checked.

    `cache_dir` is not used any more (kept until callers stop passing it).
    """
    if path is None or os.path.abspath(path) == DEFAULT_FILE:
        return default()
    from fsmrun.statemachine import pipeline_file
    return pipeline_file.read(path)


def default():
    """The default pipeline, from its compiled form when that is current."""
    with open(DEFAULT_FILE, "rb") as f:
        stamp = source_stamp(f.read())
    try:
        with open(COMPILED_DEFAULT, "rb") as f:
            data = fastjson.loads(f.read())
        if data.get("compiled_from", {}).get("crc32") == stamp:
            return Pipeline.from_json(data)
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    from fsmrun.statemachine import pipeline_file
    return pipeline_file.read(DEFAULT_FILE)


def source_stamp(data):
    # zlib is a builtin module; hashlib would load OpenSSL
    import zlib
    return "%08x" % zlib.crc32(data)


def choose(flag_path, bundle_dir):
    """The pipeline file a `create` uses: `--pipeline`, else the config's
    annotation (a name looked up in SEARCH_PATH), else None (the default).

    Runs before `load_spec`: it peeks at config.json, and parses it only if
    the annotation's name appears in it.  A config it cannot read is left for
    `load_spec` to report.
    """
    if flag_path:
        return flag_path
    try:
        with open(os.path.join(bundle_dir or ".", "config.json"), "rb") as f:
            raw = f.read()
    except OSError:
        return None
    if ANNOTATION.encode() not in raw:
        return None
    try:
        annotations = fastjson.loads(raw).get("annotations") or {}
        name = annotations.get(ANNOTATION)
    except (ValueError, AttributeError):
        return None
    return find_named(name) if name else None


def find_named(name):
    where = f"config.json annotation {ANNOTATION}={name!r}"
    if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
        raise FsmrunError(f"{where}: a pipeline name (letters, digits, _ and -), "
                          "not a path: give a file with --pipeline")
    dirs = os.environ.get("FSMRUN_PIPELINE_PATH")
    dirs = dirs.split(":") if dirs else SEARCH_PATH
    for directory in dirs:
        path = os.path.join(directory, name + ".yaml")
        if os.path.isfile(path):
            return path
    raise FsmrunError(f"{where}: no {name}.yaml in {', '.join(dirs)}")
