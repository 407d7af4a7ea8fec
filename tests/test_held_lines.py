"""`get locations` holds its lines (`cli/held_lines.py`) and writes them at the end in
batches; on a terminal the writer escapes direction controls in what each write gives it,
so a batch must end at a line's end: one cut inside U+202E let the character through."""

from __future__ import annotations

import io

from ocpispec.cli.get_output import TerminalLines
from ocpispec.cli.held_lines import HeldLines


def test_a_control_across_a_batch_end_is_still_escaped() -> None:
    screen = io.BytesIO()
    held = HeldLines(TerminalLines(screen))
    filler = b'{"name":"' + b"x" * 65_514 + b'"}\n'   # the next U+202E starts at byte 65,535
    held.write(filler)
    held.write('{"name":"\u202eevil"}\n'.encode())
    held.write('{"name":"\u202eend"}\n'.encode())
    held.release()
    assert "\u202e".encode() not in screen.getvalue()
    assert screen.getvalue().count(b"\\u202e") == 2
