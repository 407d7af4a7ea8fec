"""The scans `repeated_keys` makes of a page's text find what their patterns say, however
they are made fast."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ocpispec.ocpi.repeated_keys import NON_ASCII_KEY, folded, non_ascii_keys

_PIECES = [b"ID", b"Location_Id", b"\x80", b"\xc3\xa9", b"\xef\xbd\x90", b"\xff", b"\x7f", b'"', b"\\", b":", b" ", b"\t",
           b"\n", b"a", b"id", b'":', b'" :', b"x" * 40, b"y" * 97]


@settings(max_examples=500, deadline=None)
@example(b'{"\xc3\xa9": 1, "\xef\xbd\x90ublish" : true}')
@example(b'\xc3' + b"a" * 95 + b'":')      # the longest key the pattern reaches, and one past it
@example(b'\xc3' + b"a" * 96 + b'":')
@example(b'"\xc3\\":\xc3":')
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join))
def test_the_non_ascii_key_scan_finds_what_the_pattern_finds(content: bytes) -> None:
    """`non_ascii_keys` reads the page folded, its high bytes made one, to search for a
    literal: it counts what `NON_ASCII_KEY.findall` counts in the page as sent, and
    `first` says whether `NON_ASCII_KEY.search` finds one. Folded, the page's ASCII is
    lowercased as `bytes.lower` does it, which the other scans read."""
    low = folded(content)
    assert non_ascii_keys(low) == len(NON_ASCII_KEY.findall(content))
    assert non_ascii_keys(low, first=True) == (NON_ASCII_KEY.search(content) is not None)
    assert [b for b in low if b < 0x80] == [b for b in content.lower() if b < 0x80]
    assert len(low) == len(content) and bytes(b if b < 0x80 else 0x80 for b in content.lower()) == low
