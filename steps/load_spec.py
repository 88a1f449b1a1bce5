"""Read and validate the bundle's config.json.  It changes nothing on the
host, so there is nothing to undo."""

from fsmrun.runtime.spec import load_bundle

SIDE = "parent"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
WRITE_AHEAD = False  # reads files, changes nothing


def apply(ctx, record):
    ctx.bundle, ctx.spec, ctx.rootfs = load_bundle(ctx.options.get("bundle") or ".")
    ctx.journal.set(bundle=ctx.bundle, rootfs=ctx.rootfs,
                    annotations=ctx.spec.get("annotations") or {})


def undo(ctx, record):
    pass
