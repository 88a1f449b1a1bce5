"""pipelines/audit.yaml: an exec step writes an audit line, with the
container's state JSON, when it applies and when it is undone; destroy uses
the undo journalled at create, even once the pipeline file is gone."""

import json
import os
import shutil

from fsmrun.statemachine.pipeline import PIPELINES_DIR

AUDIT = os.path.join(PIPELINES_DIR, "audit.yaml")


def audit_lines(path):
    with open(path) as f:
        return [line.split(" ", 2) for line in f.read().splitlines()]


def test_run_writes_an_apply_and_an_undo_line(fsmrun, bundle, cid, workdir):
    log = os.path.join(workdir, "audit.log")
    bundle.configure(["true"])
    fsmrun.ok("--pipeline", AUDIT, "run", "--bundle", bundle.path, cid,
              env={"FSMRUN_AUDIT_LOG": log})
    (stamp, event1, state1), (_, event2, state2) = audit_lines(log)
    assert stamp.endswith("Z") and (event1, event2) == ("apply", "undo")
    state1, state2 = json.loads(state1), json.loads(state2)
    assert (state1["id"], state1["status"], state1["bundle"]) == (cid, "creating", bundle.path)
    assert (state2["id"], state2["status"], state2["pid"]) == (cid, "stopped", 0)


def test_destroy_undoes_with_the_pipeline_that_applied(fsmrun, bundle, cid, workdir):
    log = os.path.join(workdir, "audit.log")
    copy = os.path.join(workdir, "audit.yaml")
    shutil.copy(AUDIT, copy)
    bundle.configure(["sleep", "60"])
    fsmrun.ok("--pipeline", copy, "create", "--bundle", bundle.path, cid,
              env={"FSMRUN_AUDIT_LOG": log})
    os.unlink(copy)  # the file is gone: the container's state has what it needs
    assert [e for _, e, _ in audit_lines(log)] == ["apply"]
    fsmrun.ok("delete", "--force", cid, env={"FSMRUN_AUDIT_LOG": log})
    assert [e for _, e, _ in audit_lines(log)] == ["apply", "undo"]
