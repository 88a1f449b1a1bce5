"""make_bundle builds a bundle that runs, from a static busybox only."""

import json
import os
import shutil
import subprocess

import pytest

from fsmrun.runtime.bundle import elf_interpreter, find_static_busybox, make_bundle
from fsmrun.runtime.default_spec import default_spec
from fsmrun.runtime.errors import FsmrunError
from fsmrun.runtime.spec import load_bundle

try:
    STATIC_BUSYBOX = find_static_busybox()
except FsmrunError:
    STATIC_BUSYBOX = None
needs_busybox = pytest.mark.skipif(STATIC_BUSYBOX is None,
                                   reason="no static busybox (apt-get install busybox-static)")


def tree(root):
    """Every path under root with what identifies its content."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if os.path.islink(path):
                found[path] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[path] = ("dir", st.st_mode)
            else:
                with open(path, "rb") as f:
                    found[path] = ("file", st.st_mode, f.read())
    return found


@needs_busybox
def test_bundle_has_executable_busybox_and_sh(tmp_path):
    dest = make_bundle(str(tmp_path / "b"))
    assert dest == str(tmp_path / "b")
    bin_dir = tmp_path / "b" / "rootfs" / "bin"
    assert os.access(bin_dir / "busybox", os.X_OK)
    assert os.readlink(bin_dir / "sh") == "busybox"
    assert os.readlink(bin_dir / "ls") == "busybox"
    assert elf_interpreter(str(bin_dir / "busybox")) is None
    # the applet symlink runs as the applet it is named after
    out = subprocess.run([str(bin_dir / "sh"), "-c", "echo ok"], capture_output=True, text=True)
    assert out.stdout == "ok\n"


@needs_busybox
def test_bundle_rootfs_layout(tmp_path):
    make_bundle(str(tmp_path))
    rootfs = tmp_path / "rootfs"
    for name in ("proc", "sys", "dev", "tmp", "etc", "root", "var", "bin"):
        assert (rootfs / name).is_dir(), name
    assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777
    passwd = (rootfs / "etc" / "passwd").read_text()
    assert passwd.startswith("root:x:0:0:")
    assert "nobody:x:65534:65534:" in passwd
    group = (rootfs / "etc" / "group").read_text()
    assert "root:x:0:" in group and ":x:65534:" in group
    assert (rootfs / "etc" / "hostname").read_text() == "fsmrun\n"


@needs_busybox
def test_bundle_config_is_valid(tmp_path):
    make_bundle(str(tmp_path), ["echo", "hello"])
    bundle, spec, rootfs = load_bundle(str(tmp_path))
    assert spec == default_spec(["echo", "hello"])
    assert rootfs == str(tmp_path / "rootfs")
    assert (tmp_path / "config.json").read_text().startswith('{\n  "ociVersion"')


@needs_busybox
def test_bundle_is_idempotent(tmp_path):
    make_bundle(str(tmp_path), ["true"])
    first = tree(tmp_path)
    make_bundle(str(tmp_path), ["true"])
    assert tree(tmp_path) == first


@needs_busybox
def test_bundle_repairs_a_damaged_one(tmp_path):
    make_bundle(str(tmp_path))
    first = tree(tmp_path)
    bin_dir = tmp_path / "rootfs" / "bin"
    (bin_dir / "sh").unlink()
    (bin_dir / "ls").unlink()
    (bin_dir / "ls").write_text("not busybox")
    make_bundle(str(tmp_path))
    assert tree(tmp_path) == first


@needs_busybox
def test_explicit_busybox_path(tmp_path):
    copy = tmp_path / "my-busybox"
    shutil.copy(STATIC_BUSYBOX, copy)
    make_bundle(str(tmp_path / "b"), busybox=str(copy))
    assert (tmp_path / "b" / "rootfs" / "bin" / "sh").exists()


def test_dynamic_binary_is_refused(tmp_path):
    with pytest.raises(FsmrunError) as caught:
        make_bundle(str(tmp_path / "b"), busybox="/bin/ls")
    message = str(caught.value)
    assert "/bin/ls is dynamically linked" in message
    assert "apt-get install busybox-static" in message
    assert not (tmp_path / "b").exists()


def test_missing_binary_is_refused(tmp_path):
    with pytest.raises(FsmrunError, match="no such file.*apt-get install busybox-static"):
        make_bundle(str(tmp_path / "b"), busybox=str(tmp_path / "nothere"))


def test_non_elf_is_refused(tmp_path):
    script = tmp_path / "busybox"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(FsmrunError, match="not an ELF executable"):
        make_bundle(str(tmp_path / "b"), busybox=str(script))


def test_truncated_elf_is_refused(tmp_path):
    stub = tmp_path / "busybox"
    stub.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 20)
    with pytest.raises(FsmrunError, match="truncated ELF"):
        make_bundle(str(tmp_path / "b"), busybox=str(stub))


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc not installed")
def test_default_spec_is_runc_spec_but_terminal_and_hostname(tmp_path):
    subprocess.run(["runc", "spec"], cwd=tmp_path, check=True)
    runc = json.loads((tmp_path / "config.json").read_text())
    if runc["ociVersion"] != default_spec()["ociVersion"]:
        pytest.skip(f"a different runc (spec {runc['ociVersion']})")
    runc["process"]["terminal"] = False
    runc["hostname"] = "fsmrun"
    assert default_spec() == runc
    assert list(default_spec()) == list(runc)  # same key order, same file


def test_default_spec_is_fresh_each_call():
    first = default_spec()
    first["process"]["args"].append("x")
    first["mounts"][0]["options"] = ["ro"]
    assert default_spec() == default_spec(["sh"])
    assert default_spec(rootfs="/abs/rootfs")["root"]["path"] == "/abs/rootfs"
