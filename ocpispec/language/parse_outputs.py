"""The output clause as a new user guesses it: a CSV dialect in capitals or with `_`
(`excel_NL`), options other tools have (`encoding "latin-1"`, `with header`,
`separator ";"`, `decimal ","`), and CSV options written after the destination. The
help writes the user's own clause in the language's form."""

from __future__ import annotations

import difflib
import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_OPTIONS = ("delimiter", "decimal", "bom", "no", "quote", "lines")
_OPTION_LIST = ('`delimiter "C"`, `decimal point|comma`, `bom`, `no bom`, '
                '`quote minimal|all`, `lines crlf|lf`')
_DELIMITER_WORDS = ("separator", "sep", "delim", "fieldsep", "field_separator", "separated")
_ENCODING_WORDS = ("encoding", "charset", "utf8", "utf-8")
_HEADER = re.compile(r"(?:with\s+)?(?:no\s+)?headers?\b|with\s+(?:column\s+)?names\b",
                     re.IGNORECASE)
_DECIMAL_TEXT = {",": "comma", ".": "point"}
_WORD = re.compile(r"[^\s#]+")
_MOVED = re.compile(r'(output\s.*?)\s+(to\s+(?:"(?:[^"\\\n]|\\.)*"|stdout))\s+(.*\S)')


def output_habit(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    start = _output_start(history)
    if start is None:
        return None
    text = source.text
    line_end = text.find("\n", start)
    line_end = len(text) if line_end == -1 else line_end
    if token.type == "MINUS" and history and history[-1].type == "DIALECT":
        at = history[-1].start_pos or span.start  # `excel-NL`: `excel` read as the dialect
    else:
        at = span.start
    if not start <= at <= line_end:
        return None
    word = _WORD.match(text, at)
    if word is None:
        return None
    after_to = any(seen.type == "TO" for seen in _since(history, "OUTPUT"))
    if after_to:
        return _after_destination(text[start:line_end], start, at, line_end)
    return _before_destination(word.group(), text, at, line_end)


def _output_start(history) -> int | None:
    for seen in reversed(history):
        if seen.type in ("FROM", "SCHEDULE"):
            return None
        if seen.type == "OUTPUT":
            return seen.start_pos
    return None


def _since(history, kind: str):
    found = []
    for seen in reversed(history):
        if seen.type == kind:
            break
        found.append(seen)
    return found


def _after_destination(clause: str, start: int, at: int, end: int) -> Diagnostic | None:
    moved = _MOVED.match(clause.split("#")[0].rstrip())
    if moved is None:
        return None
    written = f"{moved.group(1)} {moved.group(3)} {moved.group(2)}"
    return error("OCX001", "CSV options come before `to`", Span(start, end),
                 "options after the destination",
                 notes=["an output clause is `output FORMAT [DIALECT] [OPTIONS] to "
                        "\"destination\"`"],
                 help=f"write `{written}`")


def _before_destination(word: str, text: str, at: int, end: int) -> Diagnostic | None:
    from ocpispec.formats.dialects import PRESETS  # only for an error

    lowered = word.strip('"').lower().replace("_", "-")
    dialect = lowered if lowered in PRESETS else next(
        iter(difflib.get_close_matches(lowered, list(PRESETS), n=1, cutoff=0.8)), None)
    if dialect is not None and word not in PRESETS:
        return error("OCX001", f"`{word}` is written `{dialect}`", Span(at, at + len(word)),
                     "a CSV dialect", notes=["dialects are " + ", ".join(
                         f"`{name}`" for name in PRESETS)],
                     help=f"write `{dialect}`")
    rest = text[at:end]
    if (header := _HEADER.match(rest)) is not None:
        return error("OCX001", f"`{header.group()}` is not a CSV option",
                     Span(at, at + header.end()), "the header row is always written",
                     notes=["a CSV starts with one row of the column names; its options "
                            f"are {_OPTION_LIST}"],
                     help=f"remove `{header.group()}`")
    value = re.match(r'\S+\s+("[^"\n]*"|\S+)', rest)
    if lowered in _ENCODING_WORDS:
        written = value.group() if value and lowered in ("encoding", "charset") else word
        return error("OCX001", f"`{written}` is not a CSV option", Span(at, at + len(written)),
                     "outputs are UTF-8", notes=[
                         "every output is UTF-8; Excel reads a UTF-8 CSV with a byte order "
                         "mark (`bom`, which the `excel-*` dialects have)"],
                     help="write `bom`")
    if lowered in _DELIMITER_WORDS and value is not None:
        written = value.group()
        return error("OCX001", f"`{word}` is written `delimiter`", Span(at, at + len(written)),
                     "the CSV delimiter", notes=[f"CSV options are {_OPTION_LIST}"],
                     help=f"write `delimiter {value.group(1)}`")
    return None


def decimal_text(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`decimal ","`: the choice is a word, `decimal comma`."""
    if token.type != "STRING" or not history or history[-1].type != "DECIMAL":
        return None
    choice = _DECIMAL_TEXT.get(str(token).strip('"'))
    help = f"write `decimal {choice}`" if choice else "write `decimal point` or `decimal comma`"
    start = history[-1].start_pos or span.start
    return error("OCX001", "the decimal mark is a word", Span(start, span.end),
                 "not `point` or `comma`", help=help)
