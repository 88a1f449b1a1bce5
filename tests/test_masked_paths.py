"""masked_paths: files read empty, directories are empty and read-only, and
a /dev/null that is not the null device is refused (runc CVE-2025-31133)."""

import os

import stepharness



def test_masked_paths_applied_twice_is_as_once(step_ctx):
    once = stepharness.assert_init_step_idempotent(step_ctx, "masked_paths")
    assert once["mounts"].count("/proc/acpi tmpfs") == 1
    assert once["mounts"].count("/proc/keys devtmpfs") + once["mounts"].count("/proc/keys tmpfs") == 1


def test_masked_paths_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "masked_paths", {}, times=2)


def test_masked_file_reads_empty_and_masked_dir_is_empty_and_read_only(fsmrun, bundle, cid):
    with open(os.path.join(bundle.rootfs, "secret"), "w") as f:
        f.write("the secret\n")
    os.makedirs(os.path.join(bundle.rootfs, "secretdir"))
    with open(os.path.join(bundle.rootfs, "secretdir", "f"), "w") as f:
        f.write("more\n")
    masked = bundle.config()["linux"]["maskedPaths"] + ["/secret", "/secretdir", "/missing"]
    bundle.configure(["sh", "-c", "echo file:$(cat /secret | wc -c); echo dir:$(ls -A /secretdir);"
                      "echo keys:$(cat /proc/keys | wc -c); touch /secretdir/x"],
                     linux__maskedPaths=masked)
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode != 0, res  # the touch fails
    assert "file:0\ndir:\nkeys:0\n" == res.stdout, res
    assert "Read-only file system" in res.stderr, res
    with open(os.path.join(bundle.rootfs, "secret")) as f:
        assert f.read() == "the secret\n"


def _fake_dev(bundle, make_null):
    """A config whose /dev is a bind of a bundle directory holding `null`."""
    fake = os.path.join(bundle.path, "fakedev")
    os.mkdir(fake)
    make_null(os.path.join(fake, "null"))
    mounts = [m for m in bundle.config()["mounts"] if not m["destination"].startswith("/dev")]
    mounts.append({"destination": "/dev", "type": "bind", "source": fake,
                   "options": ["rbind"]})
    bundle.configure(["true"], mounts=mounts)


def _assert_refused(fsmrun, cid, bundle, what):
    res = fsmrun("create", "-b", bundle.path, cid)
    assert res.returncode != 0, res
    assert "masked_paths" in res.stderr and f"/dev/null in the container is {what}" in res.stderr, res
    assert fsmrun("state", cid).returncode != 0  # nothing left (the fixture checks mounts, ...)


def test_a_regular_file_as_dev_null_is_refused(fsmrun, bundle, cid):
    def make_null(path):
        with open(path, "w") as f:
            f.write("not null\n")
    _fake_dev(bundle, make_null)
    _assert_refused(fsmrun, cid, bundle, "a regular file")


def test_a_symlink_to_a_host_file_as_dev_null_is_refused(fsmrun, bundle, cid, workdir):
    host_file = os.path.join(workdir, "host-file")
    with open(host_file, "w") as f:
        f.write("host\n")
    _fake_dev(bundle, lambda path: os.symlink(host_file, path))
    _assert_refused(fsmrun, cid, bundle, "a symlink")
    with open(host_file) as f:
        assert f.read() == "host\n"


def test_another_device_as_dev_null_is_refused(fsmrun, bundle, cid):
    _fake_dev(bundle, lambda path: os.mknod(path, 0o666 | 0o020000, os.makedev(1, 5)))
    _assert_refused(fsmrun, cid, bundle, "a character device (1, 5)")
