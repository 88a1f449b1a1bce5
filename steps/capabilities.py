"""`process.capabilities`, applied last before the process is released:
the bounding set reduced to what is listed (PR_CAPBSET_DROP), then the
effective, permitted and inheritable sets (capset), then the ambient set
(PR_CAP_AMBIENT).  `process` kept the permitted set across its switch to a
non-root user (PR_SET_KEEPCAPS), so the effective set is first raised back
to it: dropping from the bounding set needs CAP_SETPCAP.

An unknown name is an error (runc only warns), and so is a capability the
runtime itself does not have (not in its bounding set): it could not be
given, and the message names it.  An ambient capability must also be
permitted and inheritable (the kernel's rule): one that is not is left out,
as runc does.  No `capabilities` at all leaves the sets as they are (runc).
Applying again sets the same sets.
"""

import ctypes

from fsmrun.runtime import linux
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # the sets belong to the init, which dies or execs
AFTER = ("process",)

NAMES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)
NUMBERS = {name: number for number, name in enumerate(NAMES)}
KINDS = ("bounding", "effective", "permitted", "inheritable", "ambient")

PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_KEEPCAPS = 8
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4
_VERSION_3 = 0x20080522
_SETPCAP = NUMBERS["CAP_SETPCAP"]


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.capget.argtypes = [ctypes.POINTER(_Header), ctypes.POINTER(_Data)]
_libc.capset.argtypes = [ctypes.POINTER(_Header), ctypes.POINTER(_Data)]


def last_cap():
    """The highest capability this kernel knows (read before pivot_root)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return len(NAMES) - 1


LAST_CAP = last_cap()


def capget():
    """{"effective": mask, "permitted": mask, "inheritable": mask}"""
    data = (_Data * 2)()
    if _libc.capget(ctypes.byref(_Header(_VERSION_3, 0)), data) < 0:
        raise syscall_error("capget", "", ctypes.get_errno())
    return {kind: getattr(data[0], kind) | getattr(data[1], kind) << 32
            for kind in ("effective", "permitted", "inheritable")}


def capset(sets, what=""):
    data = (_Data * 2)()
    for kind in ("effective", "permitted", "inheritable"):
        setattr(data[0], kind, sets[kind] & 0xFFFFFFFF)
        setattr(data[1], kind, sets[kind] >> 32)
    if _libc.capset(ctypes.byref(_Header(_VERSION_3, 0)), data) < 0:
        raise syscall_error("capset", what, ctypes.get_errno())


def bounding_set():
    return sum(1 << n for n in range(LAST_CAP + 1)
               if linux.prctl(PR_CAPBSET_READ, n))


def wanted(caps):
    """{kind: mask} of the config's sets; an unknown name is an error."""
    masks = {}
    for kind in KINDS:
        mask = 0
        for name in caps.get(kind) or ():
            number = NUMBERS.get(name)
            if number is None or number > LAST_CAP:
                raise FsmrunError(f"unknown capability {name!r} in {kind}"
                                  + ("" if number is None else
                                     f" (this kernel knows up to {NAMES[LAST_CAP]})"),
                                  errno=22)
            mask |= 1 << number
        masks[kind] = mask
    return masks


def names(mask):
    return ", ".join(NAMES[n] for n in range(len(NAMES)) if mask >> n & 1)


def keep_across_setuid(ctx):
    """For `process`: whether the permitted set must survive its setuid."""
    return bool(ctx.process.get("capabilities"))


def apply(ctx, record):
    caps = ctx.process.get("capabilities")
    if caps is None:
        return
    want = wanted(caps)
    have = capget()
    bounding = bounding_set()
    missing = (want["bounding"] | want["effective"] | want["permitted"]
               | want["inheritable"]) & ~bounding
    if missing:
        raise FsmrunError(f"{names(missing)}: EPERM (not in the runtime's "
                          "bounding set, so it cannot be given to the container)", errno=1)
    extra = want["effective"] & ~want["permitted"]
    if extra:
        raise FsmrunError(f"{names(extra)}: effective but not permitted",
                          errno=1)
    if have["effective"] != have["permitted"] and have["permitted"] >> _SETPCAP & 1:
        # after a switch to a non-root user only the permitted set is left
        capset({**have, "effective": have["permitted"]}, "(raise effective)")
    for number in range(LAST_CAP + 1):
        if bounding >> number & 1 and not want["bounding"] >> number & 1:
            try:
                linux.prctl(PR_CAPBSET_DROP, number)
            except OSError as exc:
                raise syscall_error("prctl PR_CAPBSET_DROP", NAMES[number], exc) from None
    capset({kind: want[kind] for kind in ("effective", "permitted", "inheritable")},
           f"(permitted: {names(want['permitted']) or 'none'})")
    linux.prctl(PR_SET_KEEPCAPS, 0)  # `process` set it for its setuid
    linux.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    ambient = want["ambient"] & want["permitted"] & want["inheritable"]
    for number in range(LAST_CAP + 1):
        if ambient >> number & 1:
            try:
                linux.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, number)
            except OSError as exc:
                raise syscall_error("prctl PR_CAP_AMBIENT_RAISE", NAMES[number], exc) from None


def undo(ctx, record):
    pass
