"""Pipeline files: the edits of `extends: default`, the compiled default and
the hot path, choosing a pipeline (flag, annotation), Python steps, and
`fsmrun pipeline check|show|graph`."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from fsmrun.runtime.errors import FsmrunError
from fsmrun.statemachine import diagram, lifecycle, pipeline_file
from fsmrun.statemachine import pipeline as pipelines

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = pipelines.PIPELINES_DIR


def write(directory, text, name="p.yaml"):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def names(phases):
    return [p.name for p in phases]


# --- the format ---------------------------------------------------------------

def test_edits_apply_in_order_replace_remove_insert_options(tmp_path):
    path = write(tmp_path, """\
        name: edited
        extends: default
        replace:
          - step: hostname
            exec: {apply: /bin/true}
        remove: [rlimits]
        insert:
          - step: first
            before: load_spec
            exec: {apply: [/bin/echo, first]}
          - step: second
            after: first
            exec: {apply: /bin/true}
          - step: in_start
            before: exec
            uses: rlimits
        options:
          first: {timeout: 3}
        """)
    p = pipeline_file.read(path)
    default = pipelines.default()
    assert p.name == "edited" and p.source == str(path)
    assert names(p.create)[:3] == ["first", "second", "load_spec"]
    assert "rlimits" not in names(p.create)
    # a replaced phase keeps its place; its side comes from its new step
    before = names(default.create)[names(default.create).index("hostname") - 1]
    assert names(p.create)[names(p.create).index("hostname") - 1] == before
    hostname = p.phase("hostname")
    assert (hostname.uses, hostname.side, hostname.options) == ("@exec", "parent",
                                                                {"apply": "/bin/true"})
    assert p.phase("first").options == {"apply": ["/bin/echo", "first"], "timeout": 3}
    assert names(p.start)[names(p.start).index("exec") - 1] == "in_start"
    assert p.phase("in_start").side == "init"  # rlimits runs in the init only


def test_a_pipeline_may_list_its_phases_itself(tmp_path):
    path = write(tmp_path, """\
        create:
          - load_spec: parent
          - exec_fifo: parent
          - spawn_init: parent
          - namespaces: init
          - {step: box_name, uses: hostname, side: init}
          - pid_file: parent
        start:
          - exec: init
        """, name="minimal.yaml")
    p = pipeline_file.read(path)
    assert p.name == "minimal"
    assert [(x.name, x.side, x.uses) for x in p.create][3:5] == [
        ("namespaces", "init", "namespaces"), ("box_name", "init", "hostname")]


def test_every_example_pipeline_checks(fsmrun):
    for name in ("default", "overlay", "veth", "audit"):
        path = os.path.join(EXAMPLES, name + ".yaml")
        res = fsmrun.ok("pipeline", "check", path)
        assert res.stdout.startswith(f"{path}: ok: pipeline {name}, ")


def test_the_stored_pipeline_round_trips_through_json(tmp_path):
    p = pipeline_file.read(os.path.join(EXAMPLES, "audit.yaml"))
    again = pipelines.Pipeline.from_json(json.loads(json.dumps(p.to_json())))
    assert again.to_json() == p.to_json()


# --- the compiled default and the hot path ------------------------------------

def test_default_json_is_compiled_from_default_yaml():
    from fsmrun.runtime.pipeline_cli import compiled
    want = compiled(pipeline_file.read(pipelines.DEFAULT_FILE), pipelines.DEFAULT_FILE)
    with open(pipelines.COMPILED_DEFAULT) as f:
        assert f.read() == want, ("pipelines/default.json is stale: run `fsmrun pipeline "
                                  "show --format json > pipelines/default.json`")


def test_a_stale_compiled_default_is_not_used(tmp_path, monkeypatch):
    stale = write(tmp_path, json.dumps({"compiled_from": {"crc32": "0"}, "name": "stale",
                                        "create": [], "start": []}), "default.json")
    monkeypatch.setattr(pipelines, "COMPILED_DEFAULT", stale)
    assert pipelines.default().name == "default"


def test_create_with_the_default_pipeline_never_imports_yaml(fsmrun, bundle, cid, workdir):
    bundle.configure(["true"])
    err = os.path.join(workdir, "importtime")
    with open(err, "w") as stderr:
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "fsmrun.runtime.main",
                               "--root", fsmrun.root, "create", "--bundle", bundle.path, cid],
                              stdout=subprocess.DEVNULL, stderr=stderr, timeout=30)
    fsmrun.ok("delete", "--force", cid)
    assert proc.returncode == 0
    with open(err) as f:
        imported = {line.rsplit("|", 1)[-1].strip() for line in f if "|" in line}
    assert "fsmrun.statemachine.pipeline" in imported
    assert not {"yaml", "fsmrun.statemachine.pipeline_file", "pyroute2"} & imported


# --- choosing a pipeline ------------------------------------------------------

def annotate(bundle_dir, value):
    with open(os.path.join(bundle_dir, "config.json"), "w") as f:
        json.dump({"annotations": {pipelines.ANNOTATION: value}}, f)


def test_the_flag_wins_over_the_annotation(tmp_path):
    annotate(tmp_path, "overlay")
    assert pipelines.choose("/some/file.yaml", str(tmp_path)) == "/some/file.yaml"
    assert pipelines.choose(None, str(tmp_path)) == os.path.join(EXAMPLES, "overlay.yaml")


def test_no_annotation_means_the_default(tmp_path):
    assert pipelines.choose(None, str(tmp_path)) is None  # no config.json: load_spec says so
    with open(os.path.join(tmp_path, "config.json"), "w") as f:
        json.dump({"annotations": {"other": "x"}}, f)
    assert pipelines.choose(None, str(tmp_path)) is None


def test_an_annotation_names_a_pipeline_it_cannot_give_a_path(tmp_path, monkeypatch):
    annotate(tmp_path, "../../tmp/evil")
    with pytest.raises(FsmrunError, match="a pipeline name .* not a path"):
        pipelines.choose(None, str(tmp_path))
    annotate(tmp_path, "mine")
    with pytest.raises(FsmrunError, match="no mine.yaml in /etc/fsmrun/pipelines"):
        pipelines.choose(None, str(tmp_path))
    write(tmp_path, "extends: default\n", "mine.yaml")
    monkeypatch.setenv("FSMRUN_PIPELINE_PATH", str(tmp_path))
    assert pipelines.choose(None, str(tmp_path)) == os.path.join(tmp_path, "mine.yaml")


def test_the_annotation_picks_the_pipeline_and_it_is_stored(fsmrun, bundle, cid):
    bundle.configure(["true"], annotations={pipelines.ANNOTATION: "overlay"})
    fsmrun.ok("create", "--bundle", bundle.path, cid)
    with open(os.path.join(fsmrun.root, cid, "state.json")) as f:
        stored = json.load(f)["pipeline"]
    assert stored["name"] == "overlay"
    assert "overlay_rootfs" in [p["step"] for p in stored["create"]]
    fsmrun.ok("delete", "--force", cid)


# --- Python steps --------------------------------------------------------------

def python_env(workdir):
    return {"PYTHONPATH": os.path.join(HERE, "pysteps"),
            "FSMRUN_TEST_IMPORTS": os.path.join(workdir, "imports")}


def test_python_steps_are_not_even_imported_unless_allowed(fsmrun, bundle, cid, workdir):
    pipeline = os.path.join(HERE, "pipelines", "marker.yaml")
    res = fsmrun("--pipeline", pipeline, "create", "--bundle", bundle.path, cid,
                 env=python_env(workdir))
    assert res.returncode == 1
    assert "uses Python object marker_step:Step: Python steps are off" in res.stderr
    assert not os.path.exists(os.path.join(workdir, "imports"))


@pytest.mark.parametrize("switch", ["flag", "env"])
def test_an_allowed_python_step_runs_and_is_undone(fsmrun, bundle, cid, workdir, switch):
    bundle.configure(["true"])
    env = python_env(workdir)
    flags = ["--allow-python-steps"] if switch == "flag" else []
    if switch == "env":
        env["FSMRUN_ALLOW_PYTHON_STEPS"] = "1"
    pipeline = os.path.join(HERE, "pipelines", "marker.yaml")
    fsmrun.ok(*flags, "--pipeline", pipeline, "create", "--bundle", bundle.path, cid, env=env)
    with open(os.path.join(fsmrun.root, cid, "marker")) as f:
        assert f.read() == "from a Python step"
    # destroy needs no switch: the pipeline in the state was checked at create
    fsmrun.ok("delete", "--force", cid, env={"PYTHONPATH": env["PYTHONPATH"]})
    assert not os.path.exists(os.path.join(fsmrun.root, cid))


# --- fsmrun pipeline show / graph -----------------------------------------------

def test_show_puts_each_phase_in_its_side_column(fsmrun):
    out = fsmrun.ok("pipeline", "show", os.path.join(EXAMPLES, "veth.yaml")).stdout
    lines = out.splitlines()
    assert lines[0] == f"pipeline veth: {os.path.join(EXAMPLES, 'veth.yaml')}"
    header = lines[1]
    init_column = header.index("init")
    rows = {line.split()[1]: line for line in lines[2:] if line[:4].strip().isdigit()}
    assert rows["veth"].index("veth") < init_column
    assert rows["namespaces"].index("namespaces") == init_column
    assert 'veth: {"pool": "198.51.100.0/24", "container_name": "eth0"}' in out


def test_show_json_is_the_compiled_form(fsmrun):
    data = json.loads(fsmrun.ok("pipeline", "show", "--format", "json").stdout)
    assert data["name"] == "default" and data["compiled_from"]["file"] == "default.yaml"


def expected_edges(pipeline):
    states, transitions = lifecycle.definition(pipeline)
    for t in transitions:
        sources = states if t["source"] == "*" else (
            t["source"] if isinstance(t["source"], list) else [t["source"]])
        for s in sources:
            if s != t["dest"]:
                yield s, t["dest"], t["trigger"]


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_draws_every_transition_of_the_machine(fsmrun, fmt):
    path = os.path.join(EXAMPLES, "audit.yaml")
    out = fsmrun.ok("pipeline", "graph", path, "--format", fmt).stdout
    pipeline = pipeline_file.read(path)
    arrows = 0
    for source, dest, trigger in expected_edges(pipeline):
        arrow = (f"{source} --> {dest}: {trigger}" if fmt == "mermaid"
                 else f'"{source}" -> "{dest}" [label="{trigger}')
        assert arrow in out
        arrows += 1
    assert out.count("-->" if fmt == "mermaid" else "->") == arrows + (2 if fmt == "mermaid" else 0)
    assert "audit (parent, uses exec)" in out.replace("\\n", " ")
    assert "start (init: hooks_start_container, exec; parent: hooks_poststart)" in out
    if fmt == "mermaid":
        assert out.startswith("stateDiagram-v2\n")
    else:
        assert out.startswith('digraph "audit" {') and out.endswith("}\n")


def test_graph_refuses_an_unknown_format(fsmrun):
    res = fsmrun("pipeline", "graph", "--format", "png")
    assert res.returncode == 1
    assert res.stderr == "fsmrun: pipeline: graph: --format 'png': mermaid or dot\n"


def test_diagram_module_and_lifecycle_agree_on_states():
    pipeline = pipelines.default()
    states, _ = lifecycle.definition(pipeline)
    text = diagram.dot(pipeline)
    assert all(f'"{s}"' in text for s in states)
