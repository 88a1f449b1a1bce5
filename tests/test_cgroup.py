"""cgroup: made once whatever the number of applies; undo removes it, twice
or never applied is fine; a cgroup that existed before is kept."""

import os

import stepharness


def test_cgroup_apply_twice_undo_twice(fsmrun, bundle, cid):
    bundle.configure(linux__cgroupsPath=f"/{cid}",
                     linux__resources={"memory": {"limit": 32 << 20}, "pids": {"limit": 10}})
    ctx = stepharness.parent_ctx(fsmrun.root, cid, bundle)
    record = stepharness.apply(ctx, "cgroup", times=2)
    memory = f"/sys/fs/cgroup/memory/{cid}"
    with open(f"{memory}/memory.limit_in_bytes") as f:
        assert int(f.read()) == 32 << 20
    assert os.listdir("/sys/fs/cgroup/memory").count(cid) == 1
    stepharness.undo(ctx, "cgroup", record, times=2)
    assert not os.path.exists(memory)
    ctx.store.remove(cid)


def test_cgroup_undo_without_apply(fsmrun, bundle, cid):
    bundle.configure(linux__cgroupsPath=f"/{cid}")
    ctx = stepharness.parent_ctx(fsmrun.root, cid, bundle)
    record = stepharness.plan(ctx, "cgroup")
    stepharness.undo(ctx, "cgroup", record)
    stepharness.undo(ctx, "cgroup", {})
    ctx.store.remove(cid)


def test_cgroup_that_existed_is_kept(fsmrun, bundle, cid):
    path = f"/sys/fs/cgroup/pids/{cid}"
    os.mkdir(path)
    try:
        bundle.configure(linux__cgroupsPath=f"/{cid}")
        ctx = stepharness.parent_ctx(fsmrun.root, cid, bundle)
        record = stepharness.apply(ctx, "cgroup")
        assert record["existed"]
        stepharness.undo(ctx, "cgroup", record)
        assert os.path.isdir(path)
        ctx.store.remove(cid)
    finally:
        from fsmrun.runtime.cgroupfs import Cgroup
        Cgroup.for_container(f"/{cid}", cid).remove()
