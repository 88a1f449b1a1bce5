"""capabilities: the five sets as the config says, an unknown name or one the
runtime lacks refused; applying twice is as once."""

import json
import os

import pytest

import stepharness
from fsmrun.steps import capabilities

DEFAULT = (1 << 5) | (1 << 10) | (1 << 29)  # CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE
STATUS = "grep ^Cap /proc/self/status"


def sets(text):
    return {line.split(":")[0]: int(line.split()[1], 16)
            for line in text.splitlines() if line.startswith("Cap")}


def caps_after(ctx, names):
    """Apply steps (the last twice) in a forked child; its Cap* lines."""
    for name in names:
        stepharness.plan(ctx, name)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            for name in names:
                stepharness.apply(ctx, name, times=2 if name == names[-1] else 1)
            with open("/proc/self/status") as f:
                result = {"sets": sets(f.read())}
        except BaseException as exc:  # report everything to the test
            result = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        result = json.loads(f.read())
    os.waitpid(pid, 0)
    if "error" in result:
        raise AssertionError(result["error"])
    return result["sets"]


def test_capabilities_applied_twice_is_as_once(step_ctx):
    seen = caps_after(step_ctx, ["capabilities"])
    assert seen["CapBnd"] == seen["CapEff"] == seen["CapPrm"] == DEFAULT


def test_capabilities_kept_across_the_switch_to_another_user(step_ctx):
    step_ctx.spec["process"]["user"] = {"uid": 65534, "gid": 65534}
    caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
    step_ctx.spec["process"]["capabilities"] = {kind: caps for kind in capabilities.KINDS}
    seen = caps_after(step_ctx, ["process", "capabilities"])
    assert seen["CapAmb"] == seen["CapEff"] == seen["CapPrm"] == (1 << 5) | (1 << 10)


def test_capabilities_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "capabilities", {}, times=2)


def test_default_capabilities_inside(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", STATUS])
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    seen = sets(res.stdout)
    assert seen["CapBnd"] == seen["CapEff"] == seen["CapPrm"] == DEFAULT, res.stdout
    assert seen["CapInh"] == 0 and seen["CapAmb"] == 0, res.stdout


def test_a_non_root_user_keeps_its_ambient_capabilities(fsmrun, bundle, cid):
    caps = ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]
    bundle.configure(["sh", "-c", f"id -u; {STATUS}"], process__user={"uid": 1000, "gid": 1000},
                     process__capabilities={kind: caps for kind in capabilities.KINDS})
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    seen = sets(res.stdout)
    want = (1 << 10) | (1 << 13)
    assert res.stdout.startswith("1000\n")
    assert seen["CapAmb"] == seen["CapEff"] == seen["CapPrm"] == seen["CapBnd"] == want, res.stdout


def test_a_non_root_user_without_capabilities_has_none(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", STATUS], process__user={"uid": 1000, "gid": 1000})
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    seen = sets(res.stdout)
    assert seen["CapEff"] == seen["CapPrm"] == seen["CapAmb"] == 0 and seen["CapBnd"] == DEFAULT


def test_an_unknown_capability_is_refused(fsmrun, bundle, cid):
    caps = bundle.config()["process"]["capabilities"]
    caps["bounding"].append("CAP_NO_SUCH")
    bundle.configure(["true"], process__capabilities=caps)
    res = fsmrun("create", "-b", bundle.path, cid)
    assert res.returncode != 0, res
    assert "phase capabilities" in res.stderr and "unknown capability 'CAP_NO_SUCH'" in res.stderr, res
    assert fsmrun("state", cid).returncode != 0


def _in_our_bounding_set(number):
    with open("/proc/self/status") as f:
        return bool(sets(f.read())["CapBnd"] >> number & 1)


@pytest.mark.skipif(_in_our_bounding_set(24), reason="this machine has CAP_SYS_RESOURCE")
def test_a_capability_the_runtime_lacks_is_refused(fsmrun, bundle, cid):
    caps = bundle.config()["process"]["capabilities"]
    for kind in ("bounding", "effective", "permitted"):
        caps[kind].append("CAP_SYS_RESOURCE")
    bundle.configure(["true"], process__capabilities=caps)
    res = fsmrun("create", "-b", bundle.path, cid)
    assert res.returncode != 0, res
    assert "CAP_SYS_RESOURCE: EPERM" in res.stderr and "bounding set" in res.stderr, res
    assert fsmrun("state", cid).returncode != 0
