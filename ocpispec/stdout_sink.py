"""Standard output for the data a command delivers there (`run --out -`, `to stdout`,
`get`): every byte written, or an OSError, by the time `flush` returns.

`sys.stdout` promises neither. Under `PYTHONUNBUFFERED=1` (set in most container images
and many service units) its text layer writes straight to the descriptor and ignores
what a write did not take: the rest of a write a filling disk took only in part, and a
whole write refused by a descriptor its parent made non-blocking (EAGAIN) were dropped,
and the run exited 0 with its state moved past records its reader never got. Buffered,
the last bytes stayed in the buffer until the command's report, after the commit, where
a full disk was told 'the summary could not be written' and 'do not run this window
again'. A run flushes its stdout output before it commits (`DatasetOutput.write`).
"""

from __future__ import annotations

import os
import select
import sys
from typing import Any

_SIZE = 1 << 16  # bytes gathered before a write: as few system calls as a buffered stdout


class StdoutBytes:
    """File descriptor 1, written whole: a short write goes on with the rest, a
    descriptor that would block is waited for, and any other failure raises."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor
        self._pending = bytearray()

    def write(self, data: bytes) -> int:
        self._pending += data
        if len(self._pending) >= _SIZE:
            self.flush()
        return len(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, bytearray()  # dropped when a write fails
        view = memoryview(pending)
        while view:
            try:
                view = view[os.write(self._descriptor, view):]
            except BlockingIOError:  # a non-blocking pipe is full: its reader is behind
                select.select([], [self._descriptor], [])

    def isatty(self) -> bool:
        return os.isatty(self._descriptor)


class StdoutText:
    """Text for `StdoutBytes`, encoded as `sys.stdout` would encode it."""

    def __init__(self, out: Any, encoding: str, errors: str) -> None:
        self._out, self._encoding, self._errors = out, encoding, errors

    def write(self, text: str) -> int:
        self._out.write(text.encode(self._encoding, self._errors))
        return len(text)

    def flush(self) -> None:
        self._out.flush()


def stdout_bytes() -> Any:
    """Standard output for bytes, what was printed to `sys.stdout` before written first.
    A `sys.stdout` without a descriptor (a test's capture, the review's sample reading a
    run's rows into memory) is used as it is: its byte buffer, else its text."""
    sys.stdout.flush()
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        buffer = getattr(sys.stdout, "buffer", None)
        return buffer if buffer is not None else _DecodedInto(sys.stdout)
    return StdoutBytes(descriptor)


class _DecodedInto:
    """Bytes written to a text stream that has no byte buffer (`io.StringIO`)."""

    def __init__(self, text: Any) -> None:
        import codecs

        self._text = text
        # a write may end inside a character (`HeldStdout.release` copies chunks)
        self._decode = codecs.getincrementaldecoder(
            getattr(text, "encoding", None) or "utf-8")().decode

    def write(self, data: bytes) -> int:
        self._text.write(self._decode(bytes(data)))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


def stdout_text(held: HeldStdout | None = None) -> StdoutText:
    """Standard output for text (`stdout_bytes`, or `held` for it), in `sys.stdout`'s
    encoding."""
    return StdoutText(stdout_bytes() if held is None else held, sys.stdout.encoding or "utf-8",
                      sys.stdout.errors or "strict")


class HeldStdout:
    """A run's output to stdout, held (in memory up to `IN_MEMORY`, then a temporary
    file) until the run has judged what it read: `release` writes it whole
    (`stdout_bytes`), `drop` forgets it. Streamed, the rows were on stdout before the
    run failed: a charge sent at a published site and again at a home (OCX571, after
    the rows were rendered) had its row out, and the failure said "nothing was written"."""

    IN_MEMORY = 32 << 20

    def __init__(self) -> None:
        import tempfile

        self._held: Any = tempfile.SpooledTemporaryFile(max_size=self.IN_MEMORY)

    def write(self, data: bytes) -> int:
        return self._held.write(data)

    def flush(self) -> None:
        """Nothing leaves before `release`."""

    def release(self) -> None:
        out = stdout_bytes()
        self._held.seek(0)
        while chunk := self._held.read(_SIZE):
            out.write(chunk)
        out.flush()
        self.drop()

    def drop(self) -> None:
        self._held.close()
