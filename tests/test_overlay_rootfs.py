"""pipelines/overlay.yaml: the rootfs is an overlay assembled on the host,
the container's writes land in its state directory, never in the bundle,
and `destroy` unmounts the overlay and removes its layers."""

import os

from fsmrun.statemachine.pipeline import PIPELINES_DIR

OVERLAY = os.path.join(PIPELINES_DIR, "overlay.yaml")


def overlay_mounts(state_dir):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(state_dir)]


def test_writes_go_to_the_upper_layer_and_destroy_removes_them(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", "echo written > /new-file; rm /bin/true; "
                                  "grep ' / overlay ' /proc/self/mounts | cut -d' ' -f3"])
    fsmrun.ok("--pipeline", OVERLAY, "create", "--bundle", bundle.path, cid)
    state_dir = os.path.join(fsmrun.root, cid)
    layers = os.path.join(state_dir, "overlay")
    assert overlay_mounts(state_dir) == [os.path.join(layers, "merged")]
    assert fsmrun.state(cid)["rootfs"] == os.path.realpath(bundle.rootfs)

    fsmrun.ok("start", cid)
    assert fsmrun.wait_status(cid, "stopped")["status"] == "stopped"
    with open(os.path.join(layers, "upper", "new-file")) as f:
        assert f.read() == "written\n"
    # the bundle is untouched: the file is not there, the deleted one is
    assert not os.path.exists(os.path.join(bundle.rootfs, "new-file"))
    assert os.path.lexists(os.path.join(bundle.rootfs, "bin", "true"))

    fsmrun.ok("delete", cid)
    assert overlay_mounts(state_dir) == []
    assert not os.path.exists(state_dir)


def test_run_reports_the_overlay_as_root(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", "grep ' / ' /proc/self/mounts | cut -d' ' -f3"])
    res = fsmrun("--pipeline", OVERLAY, "run", "--bundle", bundle.path, cid)
    assert (res.returncode, res.stdout) == (0, "overlay\n"), res


def test_destroy_from_created_removes_the_overlay(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("--pipeline", OVERLAY, "create", "--bundle", bundle.path, cid)
    fsmrun.ok("delete", "--force", cid)
    assert overlay_mounts(os.path.join(fsmrun.root, cid)) == []
    assert not os.path.exists(os.path.join(fsmrun.root, cid))
