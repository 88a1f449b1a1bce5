"""Nothing the container can reach may touch the host: the runc CVE classes."""

import os


def test_no_descriptor_of_the_runtime_leaks_into_the_container(fsmrun, bundle, cid):
    # runc CVE-2024-21626 was a leaked host fd; only stdio may reach the process
    bundle.configure(["sh", "-c", "for f in /proc/self/fd/*; do echo ${f##*/}; done"])
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    # 0-2, and the fd the shell's glob has open on /proc/self/fd itself
    assert [int(fd) for fd in res.stdout.split() if int(fd) > 3] == [], res.stdout


def test_preserve_fds_passes_exactly_those(fsmrun, bundle, cid, workdir):
    import subprocess
    from conftest import COMMAND
    bundle.configure(["sh", "-c", "cat <&3; ls /proc/self/fd | sort -n | tr '\\n' ' '"])
    path = os.path.join(workdir, "passed")
    with open(path, "w") as f:
        f.write("through fd 3\n")
    with open(path) as passed, open(os.path.join(workdir, "out"), "w+") as out:
        os.dup2(passed.fileno(), 3) if passed.fileno() != 3 else None
        proc = subprocess.run(COMMAND + ["--root", fsmrun.root, "run", "--preserve-fds", "1",
                                         "-b", bundle.path, cid],
                              stdout=out, pass_fds=(3,), timeout=60)
        out.seek(0)
        text = out.read()
    assert proc.returncode == 0
    assert text.startswith("through fd 3\n")


def test_a_symlink_in_the_rootfs_cannot_send_a_mount_to_the_host(fsmrun, bundle, cid, workdir):
    # runc CVE-2021-30465 class: a mount destination that is a symlink out
    host_dir = os.path.join(workdir, "host-target")
    os.mkdir(host_dir)
    os.symlink(host_dir, os.path.join(bundle.rootfs, "escape"))
    cfg = bundle.config()
    cfg["mounts"].append({"destination": "/escape/sub", "type": "tmpfs", "source": "tmpfs"})
    bundle.configure(["sh", "-c", "grep -c ' /escape/sub\\| /tmp/' /proc/self/mountinfo; "
                      f"ls -d {host_dir}/sub"], mounts=cfg["mounts"])
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    # the symlink was resolved inside the rootfs: the host directory is untouched
    assert os.listdir(host_dir) == []
    assert os.path.isdir(os.path.join(bundle.rootfs, host_dir.lstrip("/"), "sub"))


def test_cwd_must_be_inside_the_container(fsmrun, bundle, cid):
    bundle.configure(["pwd"], process__cwd="/../../../tmp")
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    assert res.stdout == "/tmp\n"
