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
# a marker for missing values, as pandas (`na_rep`), R (`na`) or a database export says it
_MISSING_WORDS = ("na", "na-rep", "narep", "na-string", "na-strings", "null", "nulls",
                  "null-string", "nullstring", "missing", "empty", "nan")
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
    if str(token) == "." and (named := _format_as_file(text, start, at, line_end)) is not None:
        return named
    if (dialect := _dialect_as_format(token, history, text, line_end)) is not None:
        return dialect
    after_to = any(seen.type == "TO" for seen in _since(history, "OUTPUT"))
    if token.type == "COMMA" and after_to:
        return _second_destination(text, at, line_end)
    word = _WORD.match(text, at)
    if word is None:
        return None
    if after_to:
        return _after_destination(text[start:line_end], start, at, line_end)
    return _before_destination(word.group(), text, at, line_end) or \
        _no_options(text, start, at, line_end)


# what a user who asks another format for an option wants, and where ocpispec does it
_OPTION_NOTES = {
    "parquet": "Parquet compresses its columns itself (GZIP, which every reader has)",
    "xlsx": "the sheet is named after the dataset (`from sessions as NAME`); a second "
            "sheet, `columns`, describes them",
    "json": "`json` writes an array of one object per line; `ndjson` one object per line",
}
_BEFORE_TO = re.compile(r'(.*?\S)\s+(?:to\b|stdout\b|"[^"\n]*"\s*$)')


def _no_options(text: str, start: int, at: int, end: int) -> Diagnostic | None:
    """Words between a format other than `csv` and `to` (`output parquet compression
    snappy to ...`), which were read as a template name to quote."""
    clause = text[start:end].split()
    format_ = clause[1].lower() if len(clause) > 1 else ""
    if format_ not in ("ndjson", "json", "geojson", "markdown", "html", "parquet", "xlsx"):
        return None
    lines = re.match(r"output\s+json[ \t]+(?:lines?|per[ \t]+line)\b", text[start:end],
                     re.IGNORECASE)
    if lines is not None:  # `output json lines`: JSON Lines, one object a line
        begin = start + text[start:end].index(clause[1])
        return error("OCX001", "JSON Lines is the format `ndjson`",
                     Span(begin, start + lines.end()), "one object a line",
                     notes=[_OPTION_NOTES["json"]], help="write `ndjson`")
    words = _BEFORE_TO.match(text, at, end)
    written = words.group(1) if words else text[at:end].strip()
    notes = ["only `csv` takes options (a dialect, a delimiter...)"]
    if format_ in _OPTION_NOTES:
        notes.append(_OPTION_NOTES[format_])
    return error("OCX001", f"`{format_}` output takes no options", Span(at, at + len(written)),
                 "not an option", notes=notes, help=f"remove `{written}`")


# `output .csv`, `output csv.gz`, `output .ndjson.zst`: the format as a file extension
_AS_FILE = re.compile(r"output\s+(\.?[A-Za-z]+(?:\.[A-Za-z0-9]+)*)")
_EXTENSION_FORMATS = {"csv": "csv", "tsv": "csv", "ndjson": "ndjson", "jsonl": "ndjson",
                      "json": "json", "geojson": "geojson", "parquet": "parquet",
                      "xlsx": "xlsx", "md": "markdown", "markdown": "markdown",
                      "html": "html"}
_DESTINATION_AFTER = re.compile(r'(.*?)\bto\s+"((?:[^"\\\n]|\\.)*)"')


def _format_as_file(text: str, start: int, at: int, end: int) -> Diagnostic | None:
    """The format written as a file's extension: the format is the word, and a
    compression suffix goes on the destination (`to "x.csv.gz"`)."""
    found = _AS_FILE.match(text, start, end)
    if found is None or not found.start(1) <= at < found.end(1):
        return None
    parts = found.group(1).lstrip(".").lower().split(".")
    format_ = _EXTENSION_FORMATS.get(parts[0])
    if format_ is None:
        return None
    packed = next((part for part in parts[1:] if part in ("gz", "zst")), None)
    notes = ["an output clause is `output FORMAT [DIALECT] [OPTIONS] to \"destination\"`"]
    destination = _DESTINATION_AFTER.match(text, found.end(1), end) if packed else None
    if destination is None:
        return error("OCX001", "the format is a word, not a file name",
                     Span(found.start(1), found.end(1)), "a format such as `csv`",
                     notes=notes, help=f"write `{format_}`")
    path = destination.group(2)
    if not path.endswith(f".{packed}"):
        path += f".{packed}"
    written = f'{format_}{destination.group(1).rstrip()} to "{path}"'.replace("  ", " ")
    return error("OCX001", "a compressed output is named by its destination",
                 Span(found.start(1), destination.end()), "the compression on the format",
                 notes=[*notes, "a destination ending in `.gz` or `.zst` is compressed as it "
                                "is written"],
                 help=f"write `{written}`")


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


_CSV_OPTIONS = ("`delimiter \"C\"`, `decimal point|comma`, `bom`, `no bom`, "
                "`quote minimal|all`, `lines crlf|lf`")


def _second_destination(text: str, at: int, end: int) -> Diagnostic:
    """`to "exports/x-{run.date}.csv", "exports/latest.csv"`: one file per output."""
    written = text[at:end].split("#")[0].rstrip()
    return error("OCX001", "an output has one destination", Span(at, at + len(written)),
                 "a second destination",
                 notes=["each dataset writes one file, with its manifest and data package "
                        "beside it; a second file of the same rows is a second dataset "
                        "(`from ... as NAME`) or a copy made after the run"],
                 help=f"remove `{written}`")


def _after_destination(clause: str, start: int, at: int, end: int) -> Diagnostic | None:
    """Words after `to "..."`: CSV options or a dialect moved before `to`; anything
    else (`pretty`, `with header`) is not an option to move there."""
    from ocpispec.formats.dialects import PRESETS  # only for an error

    moved = _MOVED.match(clause.split("#")[0].rstrip())
    if moved is None:
        return None
    clause_notes = ["an output clause is `output FORMAT [DIALECT] [OPTIONS] to "
                    "\"destination\"`"]
    format_ = moved.group(1).split()[1].lower() if len(moved.group(1).split()) > 1 else ""
    trailing = moved.group(3)
    first = trailing.split()[0].lower()
    if format_ == "csv" and (first in _OPTION_WORDS or first in PRESETS):
        written = f"{moved.group(1)} {trailing} {moved.group(2)}"
        return error("OCX001", "CSV options come before `to`", Span(start, end),
                     "options after the destination", notes=clause_notes,
                     help=f"write `{written}`")
    what = "CSV options are " + _CSV_OPTIONS if format_ == "csv" else \
        "only `csv` takes options (a dialect, a delimiter...)"
    return error("OCX001", f"`{trailing}` after the destination is not an output option",
                 Span(start + moved.start(3), start + moved.end(3)), "not an option",
                 notes=[*clause_notes, what], help=f"remove `{trailing}`")


_OPTION_WORDS = frozenset({"delimiter", "decimal", "bom", "no", "quote", "lines"})


# a dialect named by the consumer's language or country: `locale nl`, `with dutch`
_LOCALES = {**dict.fromkeys(("nl", "dutch", "nederlands", "netherlands"), "excel-nl"),
            **dict.fromkeys(("de", "german", "deutsch", "germany", "at", "austria"),
                            "excel-de"),
            **dict.fromkeys(("en", "english", "uk", "gb", "us", "american", "british"),
                            "excel-en")}
_INTRODUCING = ("with", "using", "dialect", "locale", "language", "lang", "in", "for")


def _dialect_as_format(token, history, text: str, end: int) -> Diagnostic | None:
    """`output excel-nl to ...`: a dialect where the format goes (`excel` then `-`)."""
    from ocpispec.formats.dialects import PRESETS  # only for an error

    if token.type != "MINUS" or len(history) < 2 or history[-1].type != "NAME" \
            or history[-2].type != "OUTPUT":
        return None
    word = _WORD.match(text, history[-1].start_pos or 0)
    if word is None or word.group().lower() not in PRESETS:
        return None
    output = history[-2].start_pos or 0
    return error("OCX001", f"`{word.group()}` is a CSV dialect, not a format",
                 Span(output, word.end()), "a dialect where the format goes",
                 notes=["an output clause is `output FORMAT [DIALECT] [OPTIONS] to "
                        "\"destination\"`"],
                 help=f"write `output csv {word.group().lower()}`")


def _locale_dialect(word: str, text: str, at: int, end: int) -> Diagnostic | None:
    """`with excel-nl`, `locale nl`, `dutch`: the dialect the words name."""
    words = list(_WORD.finditer(text, at, end))[:2]
    lowered = [w.group().strip('"').lower().replace("_", "-") for w in words]
    if len(lowered) == 2 and lowered[0] in _INTRODUCING and lowered[1] != "to":
        named, last = lowered[1], words[1]
    else:
        named, last = lowered[0], words[0]
    from ocpispec.formats.dialects import PRESETS  # only for an error

    dialect = named if named in PRESETS else _LOCALES.get(named.split("-")[0])
    if dialect is None or (dialect == named and lowered[0] not in _INTRODUCING):
        return None  # a dialect as it is written: the mistake is elsewhere
    written = text[at:last.end()]
    return error("OCX001", f"`{written}` is written `{dialect}`", Span(at, last.end()),
                 "a CSV dialect", notes=["dialects are `rfc-4180`, `excel-nl`, `excel-de`, "
                                         "`excel-en`, `unix`, `tab-separated`"],
                 help=f"write `{dialect}`")


_OPTION_WORDS = ("decimal", "delimiter", "bom", "no", "quote", "lines")


def _introduced_options(word: str, text: str, at: int, end: int) -> Diagnostic | None:
    """`output csv with decimal comma to ...`: options need no `with` (it was told
    '`with` must be quoted'); a decimal comma needs a delimiter other than `,`."""
    options = re.match(r"(?:with|using)\s+(.*?)\s*(?=\bto\b)", text[at:end], re.IGNORECASE)
    if word.lower() not in ("with", "using") or options is None \
            or not options.group(1).lower().startswith(_OPTION_WORDS):
        return None
    fixed = options.group(1)
    if "decimal comma" in fixed.lower() and "delimiter" not in fixed.lower():
        fixed = f'delimiter ";" {fixed}'
    return error("OCX001", f"`{word}` is not needed before CSV options",
                 Span(at, at + options.end(1)), "options follow the format",
                 notes=[f"CSV options are {_OPTION_LIST}, written after `csv` (or its "
                        "dialect)"], help=f"write `{fixed}`")


# pandas' `to_csv(sep=";", decimal=",")` as the output's format
_CALLED_FORMAT = re.compile(r"output\s+(\w+)\s*\(([^()\n]*)\)")
_KEYWORDS = {"sep": "delimiter", "delimiter": "delimiter", "separator": "delimiter",
             "decimal": "decimal"}


def called_format(token, source: SourceFile) -> Diagnostic | None:
    """`output csv(sep=";", decimal=",") to ...`: it was 'the measure ... comes after
    `minimum group size`'. The options as the output clause writes them."""
    start = source.text.rfind("\n", 0, token.start_pos or 0) + 1
    found = _CALLED_FORMAT.match(source.text, start + len(source.text[start:]) -
                                 len(source.text[start:].lstrip()))
    if found is None:
        return None
    options = []
    for name, value in re.findall(r"(\w+)\s*=\s*[\"']([^\"']*)[\"']", found.group(2)):
        match _KEYWORDS.get(name.lower()), value:
            case "delimiter", _:
                options.append(f'delimiter "{value}"')
            case "decimal", ",":
                options.append("decimal comma")
    written = " ".join([f"output {found.group(1).lower()}", *options])
    return error("OCX001", "the output's options are words, not a call's arguments",
                 Span(found.start(), found.end()), "a call's arguments",
                 notes=[f"an output clause is `output FORMAT [DIALECT] [OPTIONS] to "
                        f"\"destination\"`; CSV options are {_OPTION_LIST}"],
                 help=f"write `{written}`")


def _before_destination(word: str, text: str, at: int, end: int) -> Diagnostic | None:
    from ocpispec.formats.dialects import PRESETS  # only for an error

    if word.lower() in ("into", "in", "at", "->", "=>") \
            and text[at + len(word):end].lstrip().startswith(('"', "stdout")):
        return error("OCX001", f"`{word}` is written `to`", Span(at, at + len(word)),
                     "the destination follows `to`", help="write `to`")
    if (introduced := _introduced_options(word, text, at, end)) is not None:
        return introduced
    if (locale := _locale_dialect(word, text, at, end)) is not None:
        return locale
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
    if lowered in _MISSING_WORDS and value is not None:
        written = value.group()
        return error("OCX001", f"`{written}` is not a CSV option", Span(at, at + len(written)),
                     "missing values are empty cells", notes=[
                         "a value the record does not have is an empty cell (`,,`), which "
                         "pandas and R's readr read as missing (NaN, NA); the data package "
                         "beside the file declares it (`missingValues`)"],
                     help=f"remove `{written}`")
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
