"""The syntax tree's leaves read from the parse tree's tokens: spans, names, quoted
texts (unescaped) and numbers (at most MAX_DIGITS digits either side of the point)."""

from __future__ import annotations

from ocpispec.diagnostics import CompileError, error
from ocpispec.diagnostics.source import Span
from ocpispec.language import syntax as s
from ocpispec.language.tree import Token, Tree


def span_of(item: Token | Tree | s.Ident | s.Text) -> Span:
    if isinstance(item, Token):
        return Span(item.start_pos or 0, item.end_pos or 0)
    if isinstance(item, Tree):
        return Span(item.meta.start_pos, item.meta.end_pos)
    return item.span


def meta_span(meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


def ident_of(token: Token) -> s.Ident:
    return s.Ident(str(token), span_of(token))


def text_of(token: Token) -> s.Text:
    return s.Text(unescape(str(token)[1:-1]), span_of(token))


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(body: str) -> str:
    """Resolve `\\"`, `\\\\`, `\\n` and `\\t`; any other escaped character stands for itself."""
    out: list[str] = []
    chars = iter(body)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append(_ESCAPES.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


MAX_DIGITS = 15  # every integer of 15 digits is exact as a float and in JSON


def number_of(token: Token) -> int | float:
    """A NUMBER or INT token; more than MAX_DIGITS digits on either side of the point
    is OCX013 (no count, size or threshold needs them, and beyond them values stop
    being exact, overflow to infinity or exceed Python's int-to-text limit)."""
    text = str(token)
    whole, _, fraction = text.partition(".")
    if len(whole) > MAX_DIGITS or len(fraction) > MAX_DIGITS:
        raise CompileError([error(
            "OCX013", "the number is too long", span_of(token),
            f"more than {MAX_DIGITS} digits" + (" after the point" if len(fraction) > MAX_DIGITS
                                                 and len(whole) <= MAX_DIGITS else ""),
            notes=[f"numbers in a spec have at most {MAX_DIGITS} digits before and "
                   f"{MAX_DIGITS} after the decimal point"],
            help="write a smaller number; counts and sizes this large are never needed")])
    return float(text) if "." in text else int(text)


def int_of(token: Token) -> int:
    return int(number_of(token))


def items_of(items: list, kind: type) -> tuple:
    return tuple(item for item in items if isinstance(item, kind))


def date_of(token: Token) -> s.Literal:
    """A `YYYY-MM-DD` date literal, as written."""
    return s.Literal(str(token), "date", span_of(token))


def raw_text_of(token: Token) -> s.Text:
    """A token's text as written, unquoted and unescaped (a schedule's `06:30`)."""
    return s.Text(str(token), span_of(token))
