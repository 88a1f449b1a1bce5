"""The commands around the lifecycle: spec, bundle, demo, help."""

import json
import os


def test_spec_writes_runc_default_config(fsmrun, workdir):
    fsmrun.ok("spec", "--bundle", workdir, root=False)
    with open(os.path.join(workdir, "config.json")) as f:
        cfg = json.load(f)
    assert cfg["process"]["args"] == ["sh"]
    assert {ns["type"] for ns in cfg["linux"]["namespaces"]} == {"pid", "network", "ipc", "uts", "mount"}
    res = fsmrun("spec", "--bundle", workdir, root=False)
    assert res.returncode == 1 and "exists" in res.stderr


def test_bundle_then_run_from_the_bundle_directory(fsmrun, workdir, cid):
    path = os.path.join(workdir, "box")
    fsmrun.ok("bundle", "--args", "echo from-bundle", path, root=False)
    res = fsmrun("run", "--bundle", path, cid)
    assert res.returncode == 0, res
    assert res.stdout == "from-bundle\n"


def test_demo_runs_a_container_through_its_lifecycle(fsmrun):
    res = fsmrun("demo")
    assert res.returncode == 0, res
    for status in ("status created", "status running", "status stopped", "exit code 7"):
        assert status in res.stdout, res.stdout
    assert "hello from PID 1" in res.stdout


def test_help_lists_the_commands(fsmrun):
    res = fsmrun("--help", root=False)
    assert res.returncode == 0
    for verb in ("create", "start", "run", "state", "kill", "delete", "list", "spec"):
        assert f"  {verb} " in res.stdout
