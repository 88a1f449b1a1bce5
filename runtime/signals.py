"""Signal names and numbers (Linux), without importing `signal` (and enum)."""

from fsmrun.runtime.errors import FsmrunError

NUMBERS = {
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6,
    "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12,
    "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18,
    "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24,
    "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29,
    "PWR": 30, "SYS": 31,
}
SIGRTMIN, SIGRTMAX = 34, 64


def parse(text):
    """A signal given as a number, `KILL`, `SIGKILL` or `RTMIN+3`."""
    if text.isdigit():
        number = int(text)
        if 0 < number <= SIGRTMAX:
            return number
        raise FsmrunError(f"invalid signal number: {text}")
    name = text.upper()
    if name.startswith("SIG"):
        name = name[3:]
    if name in NUMBERS:
        return NUMBERS[name]
    for base, number in (("RTMIN", SIGRTMIN), ("RTMAX", SIGRTMAX)):
        if name == base:
            return number
        if name.startswith(base) and name[len(base):][1:].isdigit():
            offset = int(name[len(base) + 1:])
            number += offset if name[len(base)] == "+" else -offset
            if SIGRTMIN <= number <= SIGRTMAX:
                return number
    raise FsmrunError(f"unknown signal {text!r}")
