"""`fsmrun demo`: a real container through its whole lifecycle, each step a
real `fsmrun` command, printed with what it answered."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SCRIPT = ("echo \"hello from PID $$ in container $(hostname)\"; "
          "echo \"its root holds: $(ls / | tr '\\n' ' ')\"; sleep 1; exit 7")


def demo(root=None, keep=False):
    from fsmrun.runtime.bundle import make_bundle
    work = tempfile.mkdtemp(prefix="fsmrun-demo-")
    root = root or os.path.join(work, "state")
    bundle = os.path.join(work, "bundle")
    make_bundle(bundle, ["sh", "-c", SCRIPT])
    cid = f"demo-{os.getpid()}"
    base = [sys.executable, "-m", "fsmrun.runtime.main", "--root", root]

    def fsmrun(*args, capture=False, show=True):
        """Run one fsmrun command.  Not captured, its output (and that of a
        container it starts, which inherits its stdio) goes straight through."""
        if show:
            print(f"$ fsmrun {' '.join(args)}", flush=True)
        return subprocess.run(base + list(args), text=True, capture_output=capture)

    def status():
        out = fsmrun("state", cid, capture=True, show=False).stdout
        st = json.loads(out)
        print(f"  -> status {st['status']}, pid {st['pid']}", flush=True)
        return st["status"]

    print(f"bundle: {bundle} (busybox rootfs, process: sh -c ...)\n", flush=True)
    try:
        if fsmrun("create", "--bundle", bundle, cid).returncode:
            return 1
        status()
        fsmrun("list")
        fsmrun("start", cid)
        status()
        for _ in range(100):
            if json.loads(fsmrun("state", cid, capture=True, show=False).stdout)["status"] == "stopped":
                break
            time.sleep(0.05)
        print(f"$ fsmrun state {cid}   (after the process exited)")
        status()
        fsmrun("delete", cid)
        gone = fsmrun("state", cid, capture=True, show=False)
        print(f"  -> after delete: {gone.stderr.strip() or 'still there!'}")
        print("\nand in one go (the container's exit code is fsmrun's):")
        code = fsmrun("run", "--bundle", bundle, cid + "-run").returncode
        print(f"  -> exit code {code}")
        return 0 if code == 7 else 1
    finally:
        fsmrun("delete", "--force", cid, capture=True, show=False)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
