"""hooks_start_container: run inside the container after start, before the
process: their paths are the container's."""


def test_start_container_hook_runs_in_the_container_before_the_process(fsmrun, bundle, cid):
    import os
    with open(os.path.join(bundle.rootfs, "hook.sh"), "w") as f:
        f.write("#!/bin/sh\necho hook-saw-$(cat /marker) > /hook.out\n")
    os.chmod(os.path.join(bundle.rootfs, "hook.sh"), 0o755)
    with open(os.path.join(bundle.rootfs, "marker"), "w") as f:
        f.write("inside")
    bundle.configure(["cat", "/hook.out"], hooks={"startContainer": [{"path": "/hook.sh"}]})
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    assert res.stdout == "hook-saw-inside\n"


def test_a_failing_start_container_hook_stops_the_process(fsmrun, bundle, cid):
    bundle.configure(["echo", "must not run"], hooks={"startContainer": [{"path": "/bin/false"}]})
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode != 0 and "must not run" not in res.stdout
    assert "startContainer hook /bin/false: exit status 1" in res.stderr
