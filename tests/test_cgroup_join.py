"""cgroup_join: the init in the container's cgroup, once however often applied."""

import os

import stepharness


def test_cgroup_join_applied_twice(step_ctx):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            stepharness.apply(step_ctx, "cgroup_join", times=2)
            with open("/proc/self/cgroup") as f:
                os.write(write_end, f.read().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        lines = f.read().splitlines()
    os.waitpid(pid, 0)
    memory = [line for line in lines if ":memory:" in line]
    assert len(memory) == 1 and memory[0].endswith(f":memory:/{step_ctx.id}"), lines
    stepharness.undo(step_ctx, "cgroup_join", {}, times=2)
