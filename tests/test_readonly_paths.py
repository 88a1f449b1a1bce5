"""readonly_paths: a path bound onto itself read-only, its mount's nosuid,
nodev and noexec kept; a missing one skipped."""

import os

import stepharness



def test_readonly_paths_applied_twice_is_as_once(step_ctx):
    once = stepharness.assert_init_step_idempotent(step_ctx, "readonly_paths")
    assert once["mounts"].count("/proc/sys proc") == 1


def test_readonly_paths_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "readonly_paths", {}, times=2)


def test_writing_a_readonly_path_fails_with_erofs(fsmrun, bundle, cid):
    os.makedirs(os.path.join(bundle.rootfs, "data"))
    cfg = bundle.config()
    mounts = cfg["mounts"] + [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                               "options": ["nosuid", "noexec", "nodev"]}]
    paths = cfg["linux"]["readonlyPaths"] + ["/data", "/no/such/path"]
    bundle.configure(["sh", "-c", "grep ' /data ' /proc/self/mountinfo | cut -d' ' -f6; "
                      "touch /data/x"], mounts=mounts, linux__readonlyPaths=paths)
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode != 0, res
    assert "Read-only file system" in res.stderr, res
    flags = res.stdout.split()[-1].split(",")
    assert {"ro", "nosuid", "nodev", "noexec"} <= set(flags), res


def test_proc_sys_is_read_only_inside(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", "echo x > /proc/sys/kernel/domainname"])
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode != 0 and "Read-only file system" in res.stderr, res
