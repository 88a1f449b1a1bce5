"""Load a bundle's config.json and refuse, in one line, what cannot run.

Every error names the file and the field (`<bundle>/config.json:
process.args: must be a non-empty list of strings`), so a user fixing a
config does not have to guess which of a hundred fields was meant.

This runs on the `create` hot path: it imports json and os only, and checks
types by hand instead of through a schema library.

Where fsmrun is stricter than runc 1.1, on purpose:
- a mount destination must be absolute (runc only warns and takes it as
  relative to /; the OCI spec says MUST be absolute);
- a hostname needs a UTS namespace of the container's own, not one joined by
  path (runc would rename the joined namespace; the OCI spec says a runtime
  must not configure a namespace it joins).
As lax as runc: fields set to JSON null count as absent (that is what Go's
decoder does), and a missing process.user means uid 0 and gid 0.
"""

import os

from fsmrun.runtime import fastjson
from fsmrun.runtime.errors import FsmrunError, errno_name

CONFIG_NAME = "config.json"

NAMESPACE_TYPES = frozenset(
    ("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"))

_UINT32_MAX = 2**32 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def load_bundle(bundle):
    """Read and validate `<bundle>/config.json`.

    Returns (absolute bundle path, spec dict, absolute rootfs path).
    """
    bundle = os.path.abspath(bundle)
    _check_bundle_dir(bundle)
    config = os.path.join(bundle, CONFIG_NAME)
    spec = _read_config(config)
    validate(spec, bundle)
    # Resolved, because /proc/self/mountinfo shows resolved paths: whoever
    # looks for the container's mounts there can compare against this one.
    return bundle, spec, os.path.realpath(rootfs_path(spec, bundle))


def rootfs_path(spec, bundle):
    """root.path made absolute; a relative one is relative to the bundle."""
    return os.path.normpath(os.path.join(bundle, spec["root"]["path"]))


def validate(spec, bundle, *, require_process=True):
    """Raise FsmrunError on the first field that cannot work.

    `require_process` is for callers that validate a config that is not
    about to be created (the OCI spec makes process optional outside create).
    """
    config = os.path.join(bundle, CONFIG_NAME)
    if not isinstance(spec, dict):
        raise FsmrunError(f"{config}: must be a JSON object")
    _Checker(config, spec, bundle, require_process).run()


def _check_bundle_dir(bundle):
    try:
        st = os.stat(bundle)
    except FileNotFoundError:
        raise FsmrunError(f"bundle {bundle}: no such directory") from None
    except OSError as e:
        raise FsmrunError(f"bundle {bundle}: {_os_reason(e)}", errno=e.errno) from None
    if not _is_dir(st):
        raise FsmrunError(f"bundle {bundle}: not a directory")


def _read_config(config):
    try:
        with open(config, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise FsmrunError(f"{config}: no such file (a bundle needs a {CONFIG_NAME})") from None
    except OSError as e:
        raise FsmrunError(f"{config}: cannot read: {_os_reason(e)}", errno=e.errno) from None
    try:
        spec = fastjson.loads(data)
    except UnicodeDecodeError as e:
        raise FsmrunError(f"{config}: not valid UTF-8 at byte {e.start}") from None
    except ValueError as e:  # json.JSONDecodeError, from the json module on errors
        raise FsmrunError(
            f"{config}: not valid JSON: line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(spec, dict):
        raise FsmrunError(f"{config}: must be a JSON object, not {_json_kind(spec)}")
    return spec


class _Checker:
    """One pass over a spec; `fail` names the file and the field."""

    def __init__(self, config, spec, bundle, require_process):
        self.config = config
        self.spec = spec
        self.bundle = bundle
        self.require_process = require_process

    def fail(self, field, problem):
        raise FsmrunError(f"{self.config}: {field}: {problem}")

    def run(self):
        self.oci_version()
        self.root()
        self.process()
        linux = self.section(self.spec, "linux", "linux")
        own_namespaces = self.namespaces(linux)
        self.uts_names(own_namespaces)
        self.mounts()
        self.resources(linux)
        if linux.get("cgroupsPath") is not None and not isinstance(linux["cgroupsPath"], str):
            self.fail("linux.cgroupsPath", "must be a string")

    # -- helpers ---------------------------------------------------------

    def section(self, parent, key, field, required=False):
        """parent[key] as a dict; {} when absent and not required."""
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(field, "missing")
            return {}
        if not isinstance(value, dict):
            self.fail(field, f"must be an object, not {_json_kind(value)}")
        return value

    def optional_bool(self, parent, key, field):
        value = parent.get(key)
        if value is not None and not isinstance(value, bool):
            self.fail(field, f"must be true or false, not {_json_kind(value)}")

    def optional_int(self, parent, key, field, low, high):
        value = parent.get(key)
        if value is None:
            return
        if not _is_int(value):
            self.fail(field, f"must be an integer, not {_json_kind(value)}")
        if not low <= value <= high:
            self.fail(field, f"must be an integer from {low} to {high}")

    def string_list(self, parent, key, field):
        """parent[key] as a list of strings; [] when absent."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            self.fail(field, "must be a list of strings")
        return value

    # -- sections --------------------------------------------------------

    def oci_version(self):
        version = self.spec.get("ociVersion")
        if version is None:
            self.fail("ociVersion", "missing")
        if not isinstance(version, str):
            self.fail("ociVersion", f"must be a string, not {_json_kind(version)}")

    def root(self):
        root = self.section(self.spec, "root", "root", required=True)
        path = root.get("path")
        if not isinstance(path, str) or not path:
            self.fail("root.path", "must be a non-empty string")
        self.optional_bool(root, "readonly", "root.readonly")
        rootfs = rootfs_path(self.spec, self.bundle)
        try:
            st = os.stat(rootfs)
        except FileNotFoundError:
            self.fail("root.path", f"rootfs {rootfs}: no such directory")
        except OSError as e:
            self.fail("root.path", f"rootfs {rootfs}: {_os_reason(e)}")
        if not _is_dir(st):
            self.fail("root.path", f"rootfs {rootfs}: not a directory")

    def process(self):
        process = self.section(self.spec, "process", "process",
                               required=self.require_process)
        if not process:
            return
        args = process.get("args")
        if (not isinstance(args, list) or not args
                or not all(isinstance(a, str) for a in args)):
            self.fail("process.args", "must be a non-empty list of strings")
        if not args[0]:
            self.fail("process.args[0]", "must not be empty (it is the program to run)")
        for i, arg in enumerate(args):
            # execve takes C strings: a NUL would cut the argument short.
            if "\0" in arg:
                self.fail(f"process.args[{i}]", "must not contain a NUL byte")

        cwd = process.get("cwd")
        if not isinstance(cwd, str) or not cwd.startswith("/"):
            self.fail("process.cwd", "must be an absolute path")

        if process.get("env") is not None and not isinstance(process["env"], list):
            self.fail("process.env", 'must be a list of "KEY=VALUE" strings')
        for i, pair in enumerate(process.get("env") or ()):
            if (not isinstance(pair, str) or "\0" in pair
                    or pair.find("=") < 1):  # no "=", or an empty KEY
                self.fail(f"process.env[{i}]", 'must be a "KEY=VALUE" string')

        user = self.section(process, "user", "process.user")
        self.optional_int(user, "uid", "process.user.uid", 0, _UINT32_MAX)
        self.optional_int(user, "gid", "process.user.gid", 0, _UINT32_MAX)
        gids = user.get("additionalGids")
        if gids is not None and (not isinstance(gids, list) or not all(
                _is_int(g) and 0 <= g <= _UINT32_MAX for g in gids)):
            self.fail("process.user.additionalGids", "must be a list of non-negative integers")

        self.optional_bool(process, "terminal", "process.terminal")
        self.optional_bool(process, "noNewPrivileges", "process.noNewPrivileges")

    def namespaces(self, linux):
        """Check linux.namespaces; return the types the container creates itself."""
        entries = linux.get("namespaces")
        if entries is None:
            return set()
        if not isinstance(entries, list):
            self.fail("linux.namespaces", "must be a list of objects")
        seen, own = set(), set()
        for i, ns in enumerate(entries):
            field = f"linux.namespaces[{i}]"
            if not isinstance(ns, dict):
                self.fail(field, f"must be an object, not {_json_kind(ns)}")
            kind = ns.get("type")
            if not isinstance(kind, str) or kind not in NAMESPACE_TYPES:
                known = ", ".join(sorted(NAMESPACE_TYPES))
                self.fail(f"{field}.type", f"unknown namespace type {kind!r} (known: {known})")
            if kind in seen:
                self.fail(f"{field}.type", f"namespace type {kind!r} listed twice")
            seen.add(kind)
            path = ns.get("path")
            if path is not None and not isinstance(path, str):
                self.fail(f"{field}.path", "must be a string")
            if path:  # Go's omitempty: "" means no path
                if not path.startswith("/"):
                    self.fail(f"{field}.path", f"must be an absolute path, not {path!r}")
            else:
                own.add(kind)
        return own

    def uts_names(self, own_namespaces):
        for key in ("hostname", "domainname"):
            name = self.spec.get(key)
            if name is None:
                continue
            if not isinstance(name, str):
                self.fail(key, f"must be a string, not {_json_kind(name)}")
            if name and "uts" not in own_namespaces:
                self.fail(key, f"unable to set {key} without a private UTS namespace")

    def mounts(self):
        mounts = self.spec.get("mounts")
        if mounts is None:
            return
        if not isinstance(mounts, list):
            self.fail("mounts", "must be a list of objects")
        for i, mount in enumerate(mounts):
            field = f"mounts[{i}]"
            if not isinstance(mount, dict):
                self.fail(field, f"must be an object, not {_json_kind(mount)}")
            destination = mount.get("destination")
            if destination is None:
                self.fail(f"{field}.destination", "missing")
            if not isinstance(destination, str) or not destination.startswith("/"):
                self.fail(f"{field}.destination", f"must be an absolute path, not {destination!r}")
            for key in ("type", "source"):
                value = mount.get(key)
                if value is not None and not isinstance(value, str):
                    self.fail(f"{field}.{key}", f"must be a string, not {_json_kind(value)}")
            self.string_list(mount, "options", f"{field}.options")

    def resources(self, linux):
        resources = self.section(linux, "resources", "linux.resources")
        memory = self.section(resources, "memory", "linux.resources.memory")
        self.optional_int(memory, "limit", "linux.resources.memory.limit", _INT64_MIN, _INT64_MAX)
        pids = self.section(resources, "pids", "linux.resources.pids")
        self.optional_int(pids, "limit", "linux.resources.pids.limit", _INT64_MIN, _INT64_MAX)


def _is_int(value):
    # bool is an int subclass in Python; true is not a number of bytes.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_dir(st):
    return (st.st_mode & 0o170000) == 0o040000  # S_ISDIR, without importing stat


def _json_kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _os_reason(exc):
    return f"{errno_name(exc.errno)} ({exc.strerror})"
