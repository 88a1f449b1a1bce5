"""Create the container's cgroup at `linux.cgroupsPath` and set its limits.

The record holds the cgroup's paths before anything is made, so undo finds
it whatever happened after: undo kills every process left in it and removes
it.  A cgroup that existed before `create` is left in place.
"""

from fsmrun.runtime.cgroupfs import Cgroup

SIDE = "parent"


def record(ctx):
    ctx.cgroup = Cgroup.for_container(ctx.linux.get("cgroupsPath"), ctx.id)
    return {"cgroup": ctx.cgroup.to_record(), "existed": ctx.cgroup.exists()}


def apply(ctx, record):
    ctx.cgroup.create()
    ctx.cgroup.set_resources(ctx.linux.get("resources"))


def check(ctx):
    return ctx.cgroup is not None and ctx.cgroup.exists()


def undo(ctx, record):
    if "cgroup" not in record:
        return
    cgroup = Cgroup.from_record(record["cgroup"])
    if not cgroup.exists():
        return
    # a frozen cgroup cannot be killed: thaw it first (runc #3217)
    cgroup.thaw()
    cgroup.kill_all(9)
    if not record.get("existed"):
        cgroup.remove()


def describe_undo(record):
    paths = (record.get("cgroup") or {}).get("paths") or {}
    where = next(iter(paths.values()), "?")
    if record.get("existed"):
        return f"kill every process in {where} (it existed before: kept)"
    return f"kill every process in the cgroup and remove it: {where} (+{max(len(paths) - 1, 0)} hierarchies)"
