"""The init moves itself into the container's cgroup, before it unshares its
cgroup namespace (so the namespace is rooted at the container's cgroup).

Writing its own pid (0) is cheaper than the parent moving it: on cgroup v1 a
single-threaded process writing itself to `tasks` does not wait for an RCU
grace period.  Undo: nothing, the cgroup step takes the cgroup back.
"""

SIDE = "init"


def apply(ctx, record):
    ctx.cgroup.join(0)


def undo(ctx, record):
    pass
