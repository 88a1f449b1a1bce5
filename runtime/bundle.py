"""Make a runnable OCI bundle from the host's static busybox.

For tests, benchmarks and trying fsmrun out: one binary is a whole userland,
so a bundle costs a copy and a few hundred symlinks. Not on the hot path, so
it may use subprocess and friends freely. Idempotent: making a bundle over an
existing one leaves the same bundle.
"""

import json
import os
import struct
import subprocess

from fsmrun.runtime.default_spec import HOSTNAME, default_spec
from fsmrun.runtime.errors import FsmrunError

BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
INSTALL_HINT = "install a static one with `apt-get install busybox-static`"

# mode of each top-level directory of the rootfs
ROOTFS_DIRS = {
    "bin": 0o755, "proc": 0o555, "sys": 0o555, "dev": 0o755,
    "tmp": 0o1777, "etc": 0o755, "root": 0o700, "var": 0o755,
}

PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
GROUP = "root:x:0:\nnobody:x:65534:\n"

_PT_INTERP = 3


def make_bundle(dest, args=None, busybox=None):
    """Create (or refresh) a busybox bundle at `dest`; return `dest`."""
    busybox = find_static_busybox(busybox)
    rootfs = os.path.join(dest, "rootfs")
    for name, mode in ROOTFS_DIRS.items():
        path = os.path.join(rootfs, name)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)  # explicit, so the umask cannot change the result

    bin_dir = os.path.join(rootfs, "bin")
    _copy_executable(busybox, os.path.join(bin_dir, "busybox"))
    for applet in set(_applets(busybox)) | {"sh"}:
        if applet != "busybox" and "/" not in applet:
            _symlink("busybox", os.path.join(bin_dir, applet))

    etc = os.path.join(rootfs, "etc")
    _write(os.path.join(etc, "passwd"), PASSWD)
    _write(os.path.join(etc, "group"), GROUP)
    _write(os.path.join(etc, "hostname"), HOSTNAME + "\n")
    _write(os.path.join(dest, "config.json"),
           json.dumps(default_spec(args), indent=2) + "\n")
    return dest


def find_static_busybox(path=None):
    """The busybox to copy: `path`, else the first of BUSYBOX_CANDIDATES."""
    if path is None:
        path = next((p for p in BUSYBOX_CANDIDATES if os.path.isfile(p)), None)
        if path is None:
            raise FsmrunError(f"no busybox at {' or '.join(BUSYBOX_CANDIDATES)}: {INSTALL_HINT}")
    elif not os.path.isfile(path):
        raise FsmrunError(f"busybox {path}: no such file: {INSTALL_HINT}")
    path = os.path.abspath(path)
    interpreter = elf_interpreter(path)
    if interpreter is not None:
        # A dynamic binary needs its loader and libraries, which a bare
        # rootfs does not have: the container would fail with ENOENT.
        raise FsmrunError(
            f"busybox {path} is dynamically linked (needs {interpreter}), "
            f"it cannot run in a rootfs without libraries: {INSTALL_HINT}")
    return path


def elf_interpreter(path):
    """The PT_INTERP program of an ELF file, or None for a static one."""
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2):
                raise FsmrunError(f"busybox {path}: not an ELF executable: {INSTALL_HINT}")
            is_64 = ident[4] == 2
            order = "<" if ident[5] == 1 else ">"
            # e_phoff, then e_phentsize and e_phnum, from the ELF header
            if is_64:
                f.seek(0x20)
                (phoff,) = struct.unpack(order + "Q", f.read(8))
                f.seek(0x36)
            else:
                f.seek(0x1C)
                (phoff,) = struct.unpack(order + "I", f.read(4))
                f.seek(0x2A)
            phentsize, phnum = struct.unpack(order + "HH", f.read(4))
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                header = f.read(phentsize)
                (p_type,) = struct.unpack(order + "I", header[:4])
                if p_type != _PT_INTERP:
                    continue
                # p_offset and p_filesz locate the interpreter's path
                if is_64:
                    offset, _, _, size = struct.unpack(order + "QQQQ", header[8:40])
                else:
                    offset, _, _, size = struct.unpack(order + "IIII", header[4:20])
                f.seek(offset)
                return f.read(size).rstrip(b"\0").decode(errors="replace")
    except struct.error:
        raise FsmrunError(f"busybox {path}: truncated ELF file: {INSTALL_HINT}") from None
    except OSError as e:
        raise FsmrunError(f"busybox {path}: cannot read: {e.strerror}") from None
    return None


def _applets(busybox):
    # argv[0] "busybox" whatever the file is called: busybox picks the applet
    # to run from argv[0], and would take "my-busybox" for an unknown one.
    try:
        listing = subprocess.run(["busybox", "--list"], executable=busybox, check=True,
                                 capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise FsmrunError(f"busybox {busybox} --list failed: {e}") from None
    return listing.split()


def _copy_executable(source, target):
    # Through a temporary name and a rename: overwriting a busybox that a
    # running container executes would fail with ETXTBSY.
    temporary = target + ".tmp"
    with open(source, "rb") as src, open(temporary, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.chmod(temporary, 0o755)
    os.replace(temporary, target)


def _symlink(target, link):
    try:
        if os.readlink(link) == target:
            return
    except OSError:  # absent, or not a symlink: replace it
        pass
    temporary = link + ".tmp"
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _write(path, text):
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)
