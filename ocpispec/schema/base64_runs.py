"""A run of base64 characters as a reader decodes it: the card guard (`own_ids_as_ids`)
and the e-mail screen (`mail_forms`) both read a text's base64 runs this way."""

from __future__ import annotations

import binascii

_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# a decoded byte no text holds (a control, a byte past ASCII): a space, which splits words
_UNPRINTABLE = bytes(code if 32 <= code < 127 else 32 for code in range(256))
# base64's characters (either alphabet) as they are, every other byte as a space
BASE64_ONLY = bytes(code if chr(code).isascii() and (chr(code).isalnum() or chr(code) in "+/_-")
                    else 32 for code in range(256))
# the quick look for a run: base64's characters as `a`, the others as a space
AS_A = bytes(97 if code != 32 else 32 for code in BASE64_ONLY)


def run_readings(run: bytes, shortest: int = 0) -> list[str]:
    """`run` (either alphabet) decoded at each of its four alignments whose padded length
    is at least `shortest`, its padding added where it was left off and its unprintable
    bytes read as spaces."""
    run = run.translate(_TO_STANDARD)
    readings = []
    for start in range(4):
        part = run[start:]
        part = part[:len(part) - len(part) % 4] if len(part) % 4 == 1 else \
            part + b"=" * (-len(part) % 4)   # its padding, often left off
        if len(part) >= shortest:
            readings.append(binascii.a2b_base64(part).translate(_UNPRINTABLE).decode())
    return readings
