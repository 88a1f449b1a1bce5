"""Set the hostname (and domain name) in the container's UTS namespace."""

import ctypes

from fsmrun.runtime import linux
from fsmrun.runtime.errors import syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module


def apply(ctx, record):
    name = ctx.spec.get("hostname")
    if name:
        try:
            linux.sethostname(name)
        except OSError as exc:
            raise syscall_error("sethostname", name, exc) from None
    domain = ctx.spec.get("domainname")
    if domain:
        raw = domain.encode()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setdomainname(raw, len(raw)) < 0:
            raise syscall_error("setdomainname", domain, ctypes.get_errno())


def undo(ctx, record):
    pass
