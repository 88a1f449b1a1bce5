"""The parent/init sync channel: typed messages as JSON lines over two pipes.

Pipes rather than a socketpair: `import socket` costs 6 ms and nothing here
needs more than bytes in order.  A peer that dies closes its write end, so the
other side reads end-of-file instead of hanging.

Message types:
  enter {phase, record}    the init starts an init-side phase
  done  {phase}            a side finished one of its phases
  error {phase, errno, msg} the init failed in a phase
"""

from fsmrun.runtime import fastjson
import os


class Channel:
    def __init__(self, read_fd, write_fd):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._buffer = b""

    @classmethod
    def pair(cls):
        """Two connected ends: (parent's, init's)."""
        to_init_r, to_init_w = os.pipe()
        to_parent_r, to_parent_w = os.pipe()
        return cls(to_parent_r, to_init_w), cls(to_init_r, to_parent_w)

    def fds(self):
        return (self.read_fd, self.write_fd)

    def send(self, kind, **fields):
        fields["t"] = kind
        data = fastjson.dumps(fields).encode() + b"\n"
        try:
            os.write(self.write_fd, data)
        except BrokenPipeError:
            raise EOFError("peer closed the channel") from None

    def pending(self, wait=0):
        """Whether a message can be read (after waiting up to `wait` seconds)."""
        if b"\n" in self._buffer:
            return True
        import select
        return bool(select.select([self.read_fd], [], [], wait)[0])

    def recv(self):
        """The next message, or None at end-of-file (the peer is gone)."""
        while b"\n" not in self._buffer:
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return fastjson.loads(line)

    def close(self):
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.read_fd = self.write_fd = -1
