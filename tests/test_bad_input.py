"""Bad input: a clear one-line error, a non-zero exit, nothing left behind
(the `fsmrun` fixture's leak checker fails the test otherwise)."""

import json
import os

import pytest


def assert_clean_error(res, *words, code=1):
    assert res.returncode == code, res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("fsmrun: "), lines[0]
    assert "Traceback" not in res.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def state_dirs(fsmrun):
    if not os.path.isdir(fsmrun.root):
        return []
    return [n for n in os.listdir(fsmrun.root) if not n.startswith(".")]


def test_missing_bundle(fsmrun, workdir, cid):
    res = fsmrun("create", "--bundle", os.path.join(workdir, "nope"), cid)
    assert_clean_error(res, "create", cid, "nope")
    assert state_dirs(fsmrun) == []


def test_missing_config(fsmrun, bundle, cid):
    os.unlink(bundle.config_path)
    assert_clean_error(fsmrun("create", "-b", bundle.path, cid), "config.json")
    assert state_dirs(fsmrun) == []


def test_malformed_config(fsmrun, bundle, cid):
    with open(bundle.config_path, "w") as f:
        f.write('{"ociVersion": "1.0.2", "process": ')
    assert_clean_error(fsmrun("create", "-b", bundle.path, cid), "config.json", "JSON")
    assert state_dirs(fsmrun) == []


def test_unreadable_config(fsmrun, bundle, cid):
    # root reads any file, so make config.json a directory: open fails, EISDIR
    os.unlink(bundle.config_path)
    os.mkdir(bundle.config_path)
    assert_clean_error(fsmrun("create", "-b", bundle.path, cid), "config.json")
    assert state_dirs(fsmrun) == []


def test_config_with_bad_field(fsmrun, bundle, cid):
    bundle.configure(process__args=[])
    assert_clean_error(fsmrun("create", "-b", bundle.path, cid), "process.args")
    assert state_dirs(fsmrun) == []


@pytest.mark.parametrize("bad_id", ["a/b", "..", ".", "../x", "a b"])
def test_bad_ids(fsmrun, bundle, bad_id):
    assert_clean_error(fsmrun("create", "-b", bundle.path, bad_id), "invalid container ID")
    assert state_dirs(fsmrun) == []


def test_empty_id(fsmrun, bundle):
    assert_clean_error(fsmrun("create", "-b", bundle.path, ""), "invalid container ID")


def test_missing_id(fsmrun, bundle):
    assert_clean_error(fsmrun("create", "-b", bundle.path), "requires exactly 1 argument")


def test_id_already_in_use_leaves_the_first_alone(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("create", "-b", bundle.path, cid)
    first = fsmrun.state(cid)
    assert_clean_error(fsmrun("create", "-b", bundle.path, cid), "exists", cid)
    assert fsmrun.state(cid) == first
    fsmrun.ok("delete", "--force", cid)


def test_start_of_a_running_or_stopped_container(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("run", "-d", "-b", bundle.path, cid)
    assert_clean_error(fsmrun("start", cid), "already running")
    fsmrun.ok("kill", cid, "9")
    fsmrun.wait_status(cid, "stopped")
    assert_clean_error(fsmrun("start", cid), "stopped")
    fsmrun.ok("delete", cid)


def test_start_of_a_missing_container(fsmrun, cid):
    assert_clean_error(fsmrun("start", cid), "does not exist")


def test_delete_of_running_or_created_container_needs_force(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("create", "-b", bundle.path, cid)
    assert_clean_error(fsmrun("delete", cid), "not stopped", "created")
    fsmrun.ok("start", cid)
    assert_clean_error(fsmrun("delete", cid), "not stopped", "running")
    assert fsmrun.state(cid)["status"] == "running"
    fsmrun.ok("delete", "--force", cid)


def test_unknown_option_and_command(fsmrun, cid):
    assert_clean_error(fsmrun("create", "--bogus", cid), "bogus")
    assert_clean_error(fsmrun("frobnicate", cid), "frobnicate", code=3)


def test_unknown_signal(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("create", "-b", bundle.path, cid)
    assert_clean_error(fsmrun("kill", cid, "SIGNOPE"), "SIGNOPE")
    fsmrun.ok("delete", "--force", cid)


def test_missing_executable_fails_create_and_rolls_back(fsmrun, bundle, cid):
    bundle.configure(["no-such-binary"])
    res = fsmrun("create", "-b", bundle.path, cid)
    assert_clean_error(res, "executable file not found", "process")
    assert state_dirs(fsmrun) == []


def test_init_error_names_the_phase(fsmrun, bundle, cid):
    bundle.configure(mounts=[{"destination": "/mnt", "type": "nosuchfs", "source": "x"}])
    res = fsmrun("create", "-b", bundle.path, cid)
    assert_clean_error(res, "init phase mounts", "/mnt", "ENODEV")
    assert state_dirs(fsmrun) == []


def test_rlimit_above_the_hard_limit_fails_like_runc(fsmrun, bundle, cid):
    bundle.configure(process__rlimits=[{"type": "RLIMIT_NOFILE", "hard": 1 << 20, "soft": 1 << 20}])
    res = fsmrun("create", "-b", bundle.path, cid)
    assert_clean_error(res, "rlimits", "RLIMIT_NOFILE", "EPERM")


def test_json_log_format(fsmrun, workdir, cid):
    log = os.path.join(workdir, "log.json")
    res = fsmrun("--log-format=json", "--log", log, "start", cid)
    assert res.returncode == 1
    with open(log) as f:
        entry = json.loads(f.readline())
    assert entry["level"] == "error" and "does not exist" in entry["msg"] and entry["time"]
