"""Exec steps (`exec:` in a pipeline): a failing or slow command fails its
phase and create takes back what it applied; undo commands run at destroy
and a failing one keeps the container for another try."""

import json
import os


def pipeline(workdir, apply, undo=None, timeout=None):
    lines = ["extends: default", "insert:", "  - step: probe", "    after: spawn_init",
             "    exec:", f"      apply: {apply!r}"]
    if undo:
        lines.append(f"      undo: {undo!r}")
    if timeout:
        lines.append(f"      timeout: {timeout}")
    path = os.path.join(workdir, "probe.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def test_a_failing_apply_fails_create_and_undoes_it(fsmrun, bundle, cid, workdir):
    marker = os.path.join(workdir, "undone")
    path = pipeline(workdir, "exit 3", undo=f"cat > {marker}")
    res = fsmrun("--pipeline", path, "create", "--bundle", bundle.path, cid)
    assert res.returncode == 1
    assert res.stderr == (f"fsmrun: create {cid}: parent phase probe: "
                          "exec apply hook /bin/sh: exit status 3\n")
    # the undo of a half-applied step runs too (it was journalled first)
    with open(marker) as f:
        assert json.loads(f.read())["id"] == cid


def test_a_slow_apply_is_killed_after_its_timeout(fsmrun, bundle, cid, workdir):
    path = pipeline(workdir, ["/bin/sleep", "30"], timeout=0.3)
    res = fsmrun("--pipeline", path, "create", "--bundle", bundle.path, cid)
    assert res.returncode == 1
    assert "parent phase probe: exec apply hook /bin/sleep: timed out after 0.3s" in res.stderr


def test_the_state_on_stdin_has_the_init_pid_after_spawn_init(fsmrun, bundle, cid, workdir):
    seen = os.path.join(workdir, "seen")
    bundle.configure(["true"])
    fsmrun.ok("--pipeline", pipeline(workdir, f"cat > {seen}"), "create", "--bundle",
              bundle.path, cid)
    with open(seen) as f:
        state = json.load(f)
    assert state["pid"] == fsmrun.state(cid)["pid"] > 0
    fsmrun.ok("delete", "--force", cid)


def test_a_failing_undo_keeps_the_container_for_another_try(fsmrun, bundle, cid, workdir):
    flag = os.path.join(workdir, "fail-undo")
    open(flag, "w").close()
    path = pipeline(workdir, "/bin/true", undo=f"test ! -e {flag}")
    bundle.configure(["sleep", "60"])
    fsmrun.ok("--pipeline", path, "create", "--bundle", bundle.path, cid)
    res = fsmrun("delete", "--force", cid)
    assert res.returncode == 1
    assert "parent phase probe: exec undo hook /bin/sh: exit status 1" in res.stderr
    os.unlink(flag)
    fsmrun.ok("delete", "--force", cid)
    assert fsmrun("state", cid).returncode == 1
