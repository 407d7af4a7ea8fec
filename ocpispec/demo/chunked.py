"""Answers sent with `Transfer-Encoding: chunked`, as streaming servers (Node, Spring, a
gateway that compresses) send them, with no `Content-Length` to check a body against
(demo `chunked_bodies`). `cut_last`: the last page of a list of several pages breaks off
in the middle of a JSON string and the connection closes without the closing chunk (an upstream dying
mid-answer); `ended_last`: the same cut, but the chunked stream is closed properly (a
serialiser failing mid-answer whose framework still ends the response cleanly)."""

from __future__ import annotations

from typing import BinaryIO

CHUNK = 4096
MODES = ("on", "cut_last", "ended_last")


def mid_string(body: bytes) -> int:
    """A place after the middle of `body` inside a JSON string value (two characters past
    the quote that opens one), or the middle itself where none follows."""
    middle = len(body) // 2
    found = body.find(b'":"', middle)
    return middle if found < 0 else found + 5


def write_chunked(out: BinaryIO, body: bytes, mode: str, last_page: bool) -> bool:
    """Writes `body` in chunks as `mode` says; whether the connection must close after it."""
    cut = mode in ("cut_last", "ended_last") and last_page
    if cut:
        body = body[:mid_string(body)]
    for start in range(0, len(body), CHUNK):
        piece = body[start:start + CHUNK]
        out.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    if cut and mode == "cut_last":
        out.flush()
        return True
    out.write(b"0\r\n\r\n")
    return False
