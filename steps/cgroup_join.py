"""The init moves itself into the container's cgroup, before it unshares its
cgroup namespace (so the namespace is rooted at the container's cgroup).

Writing its own pid (0) is cheaper than the parent moving it: on cgroup v1 a
single-threaded process writing itself to `tasks` does not wait for an RCU
grace period.  Undo: nothing, the cgroup step takes the cgroup back.
"""

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def apply(ctx, record):
    # spawn_init had the init born in the v2 hierarchy when it could
    ctx.cgroup.join(0, skip=("unified",) if ctx.born_in_cgroup else ())


def undo(ctx, record):
    pass
