"""Errors meant for people.

An error names what failed as precisely as the layer that raised it knows:
the system call and path at the bottom, the phase (and side) in the machine,
the command and container at the top.  Each layer fills in what it knows and
leaves the rest; the CLI prints the composed line.
"""

import errno as _errno
import os


class FsmrunError(Exception):
    """A failure to report to the user, without a traceback."""

    exit_code = 1

    def __init__(self, message, *, phase=None, side=None, errno=None,
                 container=None, command=None):
        super().__init__(message)
        self.message = message
        self.phase = phase
        self.side = side
        self.errno = errno
        self.container = container
        self.command = command

    def in_phase(self, phase, side):
        """Attach the phase the error happened in, unless one is set already."""
        if self.phase is None:
            self.phase, self.side = phase, side
        return self

    def text(self):
        """The line after `fsmrun: <command> <id>: `."""
        if self.phase:
            return f"{self.side} phase {self.phase}: {self.message}"
        return self.message

    def __str__(self):
        head = " ".join(p for p in (self.command, self.container) if p)
        return f"{head}: {self.text()}" if head else self.text()


class UsageError(FsmrunError):
    """Bad command line: unknown verb or option, missing argument."""


class UnknownCommand(UsageError):
    """No such command: runc (urfave/cli) exits 3 for it."""

    exit_code = 3


class NotFound(FsmrunError):
    """The named container does not exist."""


def errno_name(code):
    return _errno.errorcode.get(code, str(code))


def syscall_error(call, path, exc_or_errno):
    """`mount proc on /proc: EPERM (Operation not permitted)` from an OSError or errno."""
    code = exc_or_errno.errno if isinstance(exc_or_errno, OSError) else exc_or_errno
    where = f" {path}" if path else ""
    return FsmrunError(f"{call}{where}: {errno_name(code)} ({os.strerror(code)})", errno=code)
