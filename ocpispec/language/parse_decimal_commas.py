"""A number written with a decimal comma where no comma may stand: `kwh > 7,4`,
`where kwh >= 0,5 and ...`. The parser stopped at the comma with its list of expected
words; it is OCX251 with the number written with a point. (Inside a call, where a comma
separates arguments, the check says it: `check/decimal_commas.py`.)"""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_FRACTION = re.compile(r"\d+(?![\w.])")


def decimal_comma_token(token, history, source: SourceFile) -> Diagnostic | None:
    """OCX251 for a `,` glued between the digits of a number the parser just read and
    more digits."""
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    number = before[-1] if before else None
    if token.type != "COMMA" or number is None or number.type not in ("NUMBER", "INT") \
            or number.end_pos != token.start_pos or "." in str(number):
        return None
    fraction = _FRACTION.match(source.text, token.end_pos or 0)
    if fraction is None:
        return None
    written = source.text[number.start_pos:fraction.end()]
    return error("OCX251", f"`{written}` is a number with a decimal comma",
                 Span(number.start_pos or 0, fraction.end()), "not a number here",
                 notes=["numbers are written with a decimal point, as OCPI sends them"],
                 help=f"write `{written.replace(',', '.')}`")


def point_decimals(text: str) -> str:
    """`7,4` -> `7.4` in a value a help copies from the user's line."""
    return re.sub(r"(?<![\w.])(\d+),(\d+)(?![\w.])", r"\1.\2", text)
