"""Bad bundles are refused with one line that names the file and the field."""

import json
import os

import pytest

from fsmrun.runtime.default_spec import default_spec
from fsmrun.runtime.errors import FsmrunError
from fsmrun.runtime.spec import load_bundle, validate


def make_config(bundle, config):
    """A bundle with an empty rootfs; `config` is a dict or raw text."""
    (bundle / "rootfs").mkdir(parents=True, exist_ok=True)
    text = config if isinstance(config, str) else json.dumps(config)
    (bundle / "config.json").write_text(text)
    return bundle


def load_error(bundle):
    with pytest.raises(FsmrunError) as caught:
        load_bundle(str(bundle))
    message = str(caught.value)
    assert "\n" not in message
    return message


def assert_field_error(bundle, field, *words):
    message = load_error(bundle)
    assert message.startswith(f"{bundle}/config.json: {field}: "), message
    for word in words:
        assert word in message, message
    return message


# -- the good case ----------------------------------------------------------

def test_default_bundle_is_valid(tmp_path):
    make_config(tmp_path, default_spec())
    bundle, spec, rootfs = load_bundle(str(tmp_path))
    assert bundle == str(tmp_path)
    assert rootfs == os.path.realpath(tmp_path / "rootfs")
    assert spec["process"]["args"] == ["sh"]


def test_relative_bundle_path_is_made_absolute(tmp_path, monkeypatch):
    make_config(tmp_path / "b", default_spec())
    monkeypatch.chdir(tmp_path)
    bundle, _, rootfs = load_bundle("b")
    assert bundle == str(tmp_path / "b")
    assert os.path.isabs(rootfs)


def test_absolute_root_path_is_used_as_is(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make_config(tmp_path / "b", {**default_spec(), "root": {"path": str(elsewhere)}})
    assert load_bundle(str(tmp_path / "b"))[2] == str(elsewhere)


def test_null_optional_fields_count_as_absent(tmp_path):
    spec = default_spec()
    spec.update(hostname=None, mounts=None, linux=None)
    spec["process"]["env"] = None
    make_config(tmp_path, spec)
    load_bundle(str(tmp_path))


def test_empty_hostname_needs_no_uts_namespace(tmp_path):
    spec = default_spec()
    spec["hostname"] = ""
    spec["linux"]["namespaces"] = [{"type": "mount"}]
    make_config(tmp_path, spec)
    load_bundle(str(tmp_path))


def test_process_is_optional_outside_create(tmp_path):
    spec = default_spec()
    del spec["process"]
    make_config(tmp_path, spec)
    validate(spec, str(tmp_path), require_process=False)


# -- the bundle and its config.json -------------------------------------------

def test_bundle_missing(tmp_path):
    message = load_error(tmp_path / "nope")
    assert message == f"bundle {tmp_path}/nope: no such directory"


def test_bundle_not_a_directory(tmp_path):
    (tmp_path / "file").write_text("")
    assert load_error(tmp_path / "file") == f"bundle {tmp_path}/file: not a directory"


def test_config_missing(tmp_path):
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}/config.json: no such file")


def test_config_is_a_directory(tmp_path):
    (tmp_path / "config.json").mkdir()
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}/config.json: cannot read: EISDIR")


def test_config_unreadable():
    """A config.json the user cannot read: a forked child drops to nobody,
    since root reads any file whatever its mode."""
    import shutil
    import tempfile
    bundle = tempfile.mkdtemp(prefix="fsmrun-unreadable-")
    try:
        os.chmod(bundle, 0o755)
        os.mkdir(os.path.join(bundle, "rootfs"))
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(default_spec(), f)
        os.chmod(os.path.join(bundle, "config.json"), 0o600)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                os.setgid(65534)
                os.setuid(65534)
                load_bundle(bundle)
                os.write(write_end, b"loaded")
            except FsmrunError as exc:
                os.write(write_end, str(exc).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as f:
            message = f.read().decode()
        os.waitpid(pid, 0)
        assert message == f"{bundle}/config.json: cannot read: EACCES (Permission denied)"
    finally:
        shutil.rmtree(bundle)


def test_config_not_json(tmp_path):
    make_config(tmp_path, '{\n  "ociVersion": "1.0.2",\n  "root": {,}\n}')
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}/config.json: not valid JSON: line 3 column 12: ")


def test_config_empty(tmp_path):
    make_config(tmp_path, "")
    assert "not valid JSON: line 1 column 1" in load_error(tmp_path)


def test_config_not_utf8(tmp_path):
    make_config(tmp_path, "")
    (tmp_path / "config.json").write_bytes(b'{"ociVersion": "\xff"}')
    assert load_error(tmp_path).startswith(f"{tmp_path}/config.json: not valid UTF-8")


@pytest.mark.parametrize("text", ["[]", '"spec"', "3", "null"])
def test_config_not_an_object(tmp_path, text):
    make_config(tmp_path, text)
    assert load_error(tmp_path).startswith(f"{tmp_path}/config.json: must be a JSON object")


def test_validate_refuses_non_dict(tmp_path):
    with pytest.raises(FsmrunError, match="config.json: must be a JSON object"):
        validate([], str(tmp_path))


# -- fields -------------------------------------------------------------------
# Each case: a name, a change to the default spec, the field the message must
# name, and words the message must contain.

def drop(*keys):
    def change(spec):
        parent = spec
        for key in keys[:-1]:
            parent = parent[key]
        del parent[keys[-1]]
    return change


def put(value, *keys):
    def change(spec):
        parent = spec
        for key in keys[:-1]:
            parent = parent[key]
        parent[keys[-1]] = value
    return change


def rootfs_file(spec):
    spec["root"]["path"] = "config.json"


def uts_joined(spec):
    spec["linux"]["namespaces"][3] = {"type": "uts", "path": "/proc/1/ns/uts"}


def no_uts(spec):
    spec["linux"]["namespaces"] = [{"type": "mount"}]


def no_linux_section(spec):
    del spec["linux"]


FIELD_CASES = [
    # ociVersion
    ("ociVersion missing", drop("ociVersion"), "ociVersion", "missing"),
    ("ociVersion number", put(1.0, "ociVersion"), "ociVersion", "must be a string"),
    # root
    ("root missing", drop("root"), "root", "missing"),
    ("root a string", put("rootfs", "root"), "root", "must be an object"),
    ("root.path missing", drop("root", "path"), "root.path", "non-empty string"),
    ("root.path number", put(7, "root", "path"), "root.path", "non-empty string"),
    ("root.path empty", put("", "root", "path"), "root.path", "non-empty string"),
    ("rootfs missing", put("nothere", "root", "path"), "root.path", "nothere: no such directory"),
    ("rootfs absolute missing", put("/nonexistent/rootfs", "root", "path"), "root.path",
     "/nonexistent/rootfs: no such directory"),
    ("rootfs a file", rootfs_file, "root.path", "not a directory"),
    ("root.readonly string", put("yes", "root", "readonly"), "root.readonly", "true or false"),
    # process
    ("process missing", drop("process"), "process", "missing"),
    ("process a list", put([], "process"), "process", "must be an object"),
    ("args missing", drop("process", "args"), "process.args",
     "must be a non-empty list of strings"),
    ("args empty", put([], "process", "args"), "process.args",
     "must be a non-empty list of strings"),
    ("args a string", put("sh", "process", "args"), "process.args",
     "must be a non-empty list of strings"),
    ("args with a number", put(["sleep", 1], "process", "args"), "process.args",
     "must be a non-empty list of strings"),
    ("args[0] empty", put(["", "x"], "process", "args"), "process.args[0]", "must not be empty"),
    ("args with NUL", put(["sh", "a\0b"], "process", "args"), "process.args[1]", "NUL"),
    ("cwd missing", drop("process", "cwd"), "process.cwd", "absolute path"),
    ("cwd relative", put("home", "process", "cwd"), "process.cwd", "absolute path"),
    ("cwd number", put(0, "process", "cwd"), "process.cwd", "absolute path"),
    ("env a string", put("A=1", "process", "env"), "process.env", "KEY=VALUE"),
    ("env without =", put(["PATH=/bin", "TERM"], "process", "env"), "process.env[1]", "KEY=VALUE"),
    ("env empty key", put(["=value"], "process", "env"), "process.env[0]", "KEY=VALUE"),
    ("env number", put([3], "process", "env"), "process.env[0]", "KEY=VALUE"),
    ("env with NUL", put(["A=b\0c"], "process", "env"), "process.env[0]", "KEY=VALUE"),
    ("user a string", put("root", "process", "user"), "process.user", "must be an object"),
    ("uid negative", put(-1, "process", "user", "uid"), "process.user.uid", "from 0 to"),
    ("uid string", put("0", "process", "user", "uid"), "process.user.uid", "must be an integer"),
    ("uid bool", put(True, "process", "user", "uid"), "process.user.uid", "must be an integer"),
    ("uid float", put(1.5, "process", "user", "uid"), "process.user.uid", "must be an integer"),
    ("uid too big", put(2**32, "process", "user", "uid"), "process.user.uid", "4294967295"),
    ("gid negative", put(-5, "process", "user", "gid"), "process.user.gid", "from 0 to"),
    ("gid string", put("wheel", "process", "user", "gid"), "process.user.gid",
     "must be an integer"),
    ("additionalGids negative", put([1, -1], "process", "user", "additionalGids"),
     "process.user.additionalGids", "non-negative integers"),
    ("terminal string", put("false", "process", "terminal"), "process.terminal",
     "true or false"),
    ("terminal number", put(0, "process", "terminal"), "process.terminal", "true or false"),
    ("noNewPrivileges string", put("true", "process", "noNewPrivileges"),
     "process.noNewPrivileges", "true or false"),
    # hostname and domainname
    ("hostname number", put(42, "hostname"), "hostname", "must be a string"),
    ("hostname without uts", no_uts, "hostname",
     "unable to set hostname without a private UTS namespace"),
    ("hostname without linux", no_linux_section, "hostname", "private UTS namespace"),
    ("hostname in a joined uts", uts_joined, "hostname", "private UTS namespace"),
    ("domainname without uts", lambda s: (no_uts(s), s.update(hostname="", domainname="x")),
     "domainname", "unable to set domainname without a private UTS namespace"),
    # linux and namespaces
    ("linux a list", put([], "linux"), "linux", "must be an object"),
    ("namespaces an object", put({"type": "pid"}, "linux", "namespaces"), "linux.namespaces",
     "list of objects"),
    ("namespace a string", put(["pid"], "linux", "namespaces"), "linux.namespaces[0]",
     "must be an object"),
    ("namespace unknown", put([{"type": "pid"}, {"type": "net"}], "linux", "namespaces"),
     "linux.namespaces[1].type", "unknown namespace type 'net'"),
    ("namespace type missing", put([{"path": "/proc/1/ns/pid"}], "linux", "namespaces"),
     "linux.namespaces[0].type", "unknown namespace type None"),
    ("namespace type a list", put([{"type": ["pid"]}], "linux", "namespaces"),
     "linux.namespaces[0].type", "unknown namespace type"),
    ("namespace duplicated", put([{"type": "pid"}, {"type": "uts"}, {"type": "pid"}],
                                 "linux", "namespaces"),
     "linux.namespaces[2].type", "'pid' listed twice"),
    ("namespace path relative", put([{"type": "uts"}, {"type": "network", "path": "netns/a"}],
                                    "linux", "namespaces"),
     "linux.namespaces[1].path", "absolute path"),
    ("namespace path number", put([{"type": "uts"}, {"type": "network", "path": 3}],
                                  "linux", "namespaces"),
     "linux.namespaces[1].path", "must be a string"),
    # mounts
    ("mounts an object", put({}, "mounts"), "mounts", "list of objects"),
    ("mount a string", put(["/proc"], "mounts"), "mounts[0]", "must be an object"),
    ("mount destination missing", drop("mounts", 1, "destination"), "mounts[1].destination",
     "missing"),
    ("mount destination relative", put("dev/shm", "mounts", 3, "destination"),
     "mounts[3].destination", "absolute path"),
    ("mount destination number", put(1, "mounts", 0, "destination"), "mounts[0].destination",
     "absolute path"),
    ("mount type number", put(1, "mounts", 0, "type"), "mounts[0].type", "must be a string"),
    ("mount source list", put(["proc"], "mounts", 0, "source"), "mounts[0].source",
     "must be a string"),
    ("mount options string", put("ro,nosuid", "mounts", 5, "options"), "mounts[5].options",
     "list of strings"),
    ("mount options numbers", put(["ro", 1], "mounts", 5, "options"), "mounts[5].options",
     "list of strings"),
    # resources and cgroups
    ("resources a list", put([], "linux", "resources"), "linux.resources", "must be an object"),
    ("memory a number", put(5, "linux", "resources", "memory"), "linux.resources.memory",
     "must be an object"),
    ("memory.limit string", put({"limit": "512M"}, "linux", "resources", "memory"),
     "linux.resources.memory.limit", "must be an integer"),
    ("memory.limit float", put({"limit": 1e9}, "linux", "resources", "memory"),
     "linux.resources.memory.limit", "must be an integer"),
    ("memory.limit bool", put({"limit": True}, "linux", "resources", "memory"),
     "linux.resources.memory.limit", "must be an integer"),
    ("memory.limit beyond int64", put({"limit": 2**63}, "linux", "resources", "memory"),
     "linux.resources.memory.limit", "from"),
    ("pids.limit string", put({"limit": "100"}, "linux", "resources", "pids"),
     "linux.resources.pids.limit", "must be an integer"),
    ("cgroupsPath number", put(7, "linux", "cgroupsPath"), "linux.cgroupsPath",
     "must be a string"),
    ("cgroupsPath list", put(["a"], "linux", "cgroupsPath"), "linux.cgroupsPath",
     "must be a string"),
]


@pytest.mark.parametrize("change, field, words", [case[1:] for case in FIELD_CASES],
                         ids=[case[0] for case in FIELD_CASES])
def test_bad_field(tmp_path, change, field, words):
    spec = default_spec()
    change(spec)
    make_config(tmp_path, spec)
    assert_field_error(tmp_path, field, words)


@pytest.mark.parametrize("limit", [-1, 0, 512 * 2**20])
def test_integer_limits_are_accepted(tmp_path, limit):
    spec = default_spec()
    spec["linux"]["resources"]["memory"] = {"limit": limit}
    spec["linux"]["resources"]["pids"] = {"limit": limit}
    spec["linux"]["cgroupsPath"] = "/fsmrun/test"
    make_config(tmp_path, spec)
    load_bundle(str(tmp_path))
