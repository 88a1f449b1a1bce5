"""A Python step for the tests (`uses: marker_step:Step`): it writes a file
in the container's state directory and removes it on undo.  Its import is
logged to $FSMRUN_TEST_IMPORTS, so a test can tell it was never loaded."""

import os

if os.environ.get("FSMRUN_TEST_IMPORTS"):
    with open(os.environ["FSMRUN_TEST_IMPORTS"], "a") as log:
        log.write("marker_step imported\n")


class Step:
    SIDE = "parent"
    OPTIONS = {"text": str}

    def record(self, ctx):
        return {"path": os.path.join(ctx.state_dir, "marker")}

    def apply(self, ctx, record):
        with open(record["path"], "w") as f:
            f.write(ctx.phase.options.get("text", "hello"))

    def undo(self, ctx, record):
        try:
            os.unlink(record["path"])
        except FileNotFoundError:
            pass
