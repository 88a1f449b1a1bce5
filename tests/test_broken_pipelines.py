"""Every broken pipeline in tests/pipelines/broken is refused with its own
message, naming the file, the line and the step, by `fsmrun pipeline check`
and by `create` (with a non-zero exit), before anything is made."""

import os

import pytest

BROKEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipelines", "broken")

# file -> the start of its message (after the file's directory)
EXPECTED = {
    "after_exec.yaml": "after_exec.yaml:3: step late_rlimits: never runs: exec comes before "
                       "it on the init side and does not return",
    "anchor_removed.yaml": "anchor_removed.yaml:5: step audit: insert after 'hostname': "
                           "no such step in the pipeline (it is removed above)",
    "bad_name.yaml": "bad_name.yaml:3: step name 'Audit Log': use lowercase letters, "
                     "digits and _",
    "bad_option_value.yaml": "bad_option_value.yaml:6: step veth: pool: '33' is not a "
                             "valid netmask",
    "bad_side.yaml": "bad_side.yaml:2: step load_spec: side must be parent or init, "
                     "got 'host'",
    "bad_yaml.yaml": "bad_yaml.yaml:5: not valid YAML: did not find expected ',' or ']' "
                     "(while parsing a flow sequence from line 4)",
    "builtin_takes_no_options.yaml": "builtin_takes_no_options.yaml:3: step hostname: "
                                     "unknown option 'name' (hostname takes no options)",
    "dependency_removed.yaml": "dependency_removed.yaml:3: step cgroup: cannot be removed: "
                               "cgroup_join needs it before it",
    "duplicate_key.yaml": "duplicate_key.yaml:3: key 'remove' is given twice",
    "empty.yaml": "empty.yaml: the file is empty",
    "exec_on_init.yaml": "exec_on_init.yaml:3: step audit: an exec step runs on the parent "
                         "side only, not init",
    "exec_relative_path.yaml": "exec_relative_path.yaml:3: step audit: exec apply: the "
                               "program must be an absolute path, got 'logger'",
    "exec_without_apply.yaml": "exec_without_apply.yaml:3: step audit: option apply is "
                               "required (an exec step)",
    "extends_and_lists.yaml": "extends_and_lists.yaml:1: a pipeline either extends another "
                              "or lists `create` and `start`",
    "extends_unknown.yaml": "extends_unknown.yaml:1: extends: only `default` can be "
                            "extended, not 'fancy'",
    "init_before_spawn.yaml": "init_before_spawn.yaml:3: step early_hostname: an init step "
                              "must come after spawn_init",
    "missing_anchor.yaml": "missing_anchor.yaml:4: step veth: insert after 'networking': "
                           "no such step in the pipeline",
    "missing_dependency.yaml": "missing_dependency.yaml:3: step veth: must come after "
                               "namespaces",
    "name_twice.yaml": "name_twice.yaml:3: step mounts: the name is used twice",
    "not_a_mapping.yaml": "not_a_mapping.yaml:1: a pipeline is a mapping",
    "options_unknown_step.yaml": "options_unknown_step.yaml:3: step vet: options: no such "
                                 "step in the pipeline",
    "order_before.yaml": "order_before.yaml:3: step overlay_rootfs: must come before "
                         "spawn_init",
    "python_not_allowed.yaml": "python_not_allowed.yaml:3: step marker: uses Python object "
                               "marker_step:Step: Python steps are off",
    "remove_exec.yaml": "remove_exec.yaml:4: step exec: exec is required: it cannot be "
                        "removed",
    "remove_spawn_init.yaml": "remove_spawn_init.yaml:2: step spawn_init: spawn_init is "
                              "required: it cannot be removed",
    "replace_required.yaml": "replace_required.yaml:3: step exec: exec is required: it can "
                             "be configured, not replaced",
    "state_name.yaml": "state_name.yaml:3: step running: a step cannot be named after a "
                       "lifecycle state",
    "two_anchors.yaml": "two_anchors.yaml:3: step overlay_rootfs: insert: give exactly one "
                        "of `before:` or `after:`",
    "unknown_key.yaml": "unknown_key.yaml:2: unknown key 'inserts' in a pipeline",
    "unknown_option.yaml": "unknown_option.yaml:3: step veth: unknown option 'bridge' "
                           "(veth takes: pool, container_name)",
    "unknown_step.yaml": "unknown_step.yaml:3: step firewall: unknown step: not a built-in "
                         "step",
    "unknown_uses.yaml": "unknown_uses.yaml:3: step net2: uses 'networking': not a "
                         "built-in step",
    "wrong_side.yaml": "wrong_side.yaml:3: step overlay_rootfs: overlay_rootfs runs on the "
                       "parent side only, not init",
}


def test_the_corpus_is_large_and_each_file_has_its_message():
    assert sorted(os.listdir(BROKEN)) == sorted(EXPECTED)
    assert len(EXPECTED) >= 15
    assert len(set(EXPECTED.values())) == len(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_pipeline_is_refused_before_anything_is_made(fsmrun, bundle, cid, name):
    path = os.path.join(BROKEN, name)
    message = f"{BROKEN}/{EXPECTED[name]}"

    res = fsmrun("pipeline", "check", path)
    assert res.returncode != 0
    assert res.stderr.startswith(f"fsmrun: pipeline: {message}"), res
    assert res.stderr.count("\n") == 1  # one line

    res = fsmrun("--pipeline", path, "create", "--bundle", bundle.path, cid)
    assert res.returncode != 0
    assert res.stderr.startswith(f"fsmrun: create {cid}: {message}"), res
    # nothing was started, not even the container's directory
    made = os.listdir(fsmrun.root) if os.path.isdir(fsmrun.root) else []
    assert [n for n in made if not n.startswith(".")] == []
