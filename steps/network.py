"""Bring the loopback interface up in a new network namespace.

An ioctl on a datagram socket is all it takes; the socket is made through
libc so that neither `socket` (6 ms) nor pyroute2 (100+ ms) is imported.
"""

import ctypes
import fcntl
import os
import struct

from fsmrun.runtime.errors import syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module

AF_INET = 2
SOCK_DGRAM = 2
SOCK_CLOEXEC = 0o2000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def apply(ctx, record):
    namespaces = ctx.namespaces()
    if "network" not in namespaces or namespaces["network"]:
        return  # the host's or a joined namespace: not ours to change
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)
    if fd < 0:
        raise syscall_error("socket", "AF_INET", ctypes.get_errno())
    try:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(fd, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(fd, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
    except OSError as exc:
        raise syscall_error("ioctl SIOCSIFFLAGS", "lo", exc) from None
    finally:
        os.close(fd)


def undo(ctx, record):
    pass
