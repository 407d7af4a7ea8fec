"""Values and conditions written as other languages write them: `kwh between 5 and 10`
and `in ("A", "B")` in a condition, `-kwh` for a negated field, a CSV delimiter written
unquoted or by its name (`delimiter tab`, `delimiter ;`). The help writes the user's own
field and values in the language's form."""

from __future__ import annotations

import re

from ocpispec.language.parse_list_paths import projected as _projected
from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.parse_between import time_window
from ocpispec.language.parse_decimal_commas import point_decimals


# `kwh between 5 and 10` and `in ("A", "B")`, read from the line as the user wrote them
BETWEEN = re.compile(r"(?:^|\bwhere|\band|\bor|\bnot|\()\s*([\w.]+(?:\([^()]*\))?)\s*"
                      r"between\s+(\S+)\s+and\s+([^\s()#]+)")
_PARENTHESISED = re.compile(r"\(([^()#]*)\)")


def condition_habit(token, expected, span: Span, history,
                    source: SourceFile) -> Diagnostic | None:
    """`kwh between 5 and 10`, `status in ("A", "B")`: the help writes the user's own
    condition in the language's form, `kwh >= 5 and kwh <= 10`, `in ["A", "B"]`."""
    previous = history[-1] if history else None
    line_start = source.text.rfind("\n", 0, span.start) + 1
    line_end = source.text.find("\n", span.start)
    line = source.text[line_start:line_end if line_end != -1 else len(source.text)]
    at = span.start - line_start
    if token.type == "BETWEEN" and "COMPARATOR" in expected:
        found = next((m for m in BETWEEN.finditer(line) if m.start(0) <= at < m.end(0)), None)
        value, low, high = found.groups() if found else ("kwh", "5", "10")
        low, high = point_decimals(low), point_decimals(high)
        both = f"{value} >= {double_quoted(low)} and {value} <= {double_quoted(high)}"
        negated = found is not None and line[:found.start(1)].rstrip().endswith("not")
        window = None if negated else time_window(value, low, high)
        return error("OCX001", "`between` is a time window, not a condition", span,
                     "not a comparison",
                     notes=["`between DATE and DATE` under `from` selects the records "
                            "changed in that range"],
                     help=window or f"compare twice: `{f'not ({both})' if negated else both}`")
    if token.type in ("STRING", "NUMBER", "INT", "DATE", "TRUE", "FALSE") \
            and previous is not None and previous.type in ("IS", "NOT") and "NULL" in expected:
        negated = previous.type == "NOT"
        start = history[-2].start_pos if negated and len(history) > 1 else previous.start_pos
        return error("OCX001", "`is` compares with `null` only", Span(start or 0,
                     previous.end_pos or 0), "not a comparison with a value",
                     notes=["`is null` and `is not null` test for a missing value; a value "
                            "is compared with `=` and `!=`"],
                     help="write `!=`" if negated else "write `=`")
    if token.type == "NAME" and str(token).lower() in ("like", "ilike") \
            and "MATCHES" in expected:
        return _like(span, line, line_start, at)
    if token.type == "NAME" and (str(token).lower() in _CONTAINS_WORDS and "MATCHES" in expected
                                 or previous is not None and previous.type == "IN"
                                 and expected == {"LSQB"}):
        return _contains(line, line_start, span)
    if token.type == "LPAR" and previous is not None and previous.type == "IN" \
            and expected == {"LSQB"}:
        found = _PARENTHESISED.match(line, at)
        if found is None:
            return error("OCX001", "a list is written in square brackets", span,
                         "expected `[`", help='write `in ["COMPLETED", "ACTIVE"]`')
        # the caret covers `in (...)`, all that the help writes again
        return error("OCX001", "a list is written in square brackets",
                     Span(previous.start_pos or 0, line_start + found.end()), "expected `[`",
                     help=f"write `in [{double_quoted(found.group(1).strip())}]`")
    return None


def double_quoted(items: str) -> str:
    """SQL's `'NLD', 'BEL'` as the language quotes texts, `"NLD", "BEL"` (a single quote
    is OCX002: the help would lead to the next error)."""
    return re.sub(r"'([^'\"\\\n]*)'", r'"\1"', items)


_LIKE_PATTERN = re.compile(r"""\s*(?:"([^"\n]*)"|'([^'\n]*)')""")
_CONTAINS_WORDS = ("contains", "includes", "has")
# `location.facilities contains "WIFI"`, `"WIFI" in location.facilities`
_CONTAINS = (re.compile(r"(?P<list>[A-Za-z_][\w.]*)\s+(?:contains|includes|has)\s+"
                        r"\"(?P<value>[^\"'`\\\n]*)\"", re.IGNORECASE),
             re.compile(r"\"(?P<value>[^\"'`\\\n]*)\"\s+in\s+(?P<list>[A-Za-z_][\w.]*)"))


def _contains(line: str, line_start: int, span: Span) -> Diagnostic | None:
    """Whether a list holds a value, as SQL arrays and Python write it: the test in the
    escape hatch, JMESPath's `contains` (`|| []`: a record without the list holds none)."""
    at = span.start - line_start
    found = next((m for pattern in _CONTAINS for m in pattern.finditer(line)
                  if m.start(0) <= at < m.end(0)), None)
    if found is None:
        return None
    test = (f'jmespath("contains({_projected(found.group("list"))} || `[]`, '
            f"'{found.group('value')}')\") = true")
    return error("OCX001", "a list's values are tested with `contains` in `jmespath(...)`",
                 Span(line_start + found.start(0), line_start + found.end(0)),
                 "whether the list holds the value",
                 notes=["a filter compares single values; JMESPath's `contains` asks "
                        "whether a list holds one"],
                 help=f"write `{test}`")


def _like(span: Span, line: str, line_start: int, at: int) -> Diagnostic:
    """`postal_code like "35%"`: SQL's pattern, with its `%` written as `*`; the caret
    covers `like` and the pattern, which the help writes again."""
    found = _LIKE_PATTERN.match(line, span.end - line_start)
    # SQL's `%` is any run of characters, `_` exactly one; its pattern may be in '...'
    pattern = (found.group(1) if found.group(1) is not None else found.group(2)) \
        .replace("%", "*").replace("_", "?") if found else "PATTERN*"
    end = line_start + found.end() if found else span.end
    return error("OCX001", "SQL's `like` is written `matches`", Span(span.start, end),
                 "not an ocpispec comparison",
                 notes=["`matches` takes a pattern where `*` is any run of characters and "
                        "`?` exactly one, and the whole value must match"],
                 help=f'write `matches "{pattern}"`')


_DELIMITERS = {"tab": "\\t", "tabs": "\\t", "comma": ",", "semicolon": ";", "pipe": "|",
               "space": " "}


def named_delimiter(word: str, source: SourceFile, span: Span) -> Diagnostic | None:
    """`delimiter tab`: the character, quoted (`delimiter "\\t"`)."""
    if not source.text[:span.start].rstrip().endswith("delimiter") \
            or word.lower() not in _DELIMITERS:
        return None
    return error("OCX001", f"the delimiter is written as the character, not `{word}`",
                 span, "not a quoted character",
                 notes=["a CSV option's value is quoted: `delimiter \";\"`; a tab is "
                        "`\"\\t\"`, or write the dialect `tab-separated`"],
                 help=f'write `delimiter "{_DELIMITERS[word.lower()]}"`')


def delimiter_token(token, expected: set[str], span: Span,
                    source: SourceFile) -> Diagnostic | None:
    """`delimiter ,`: a character the language reads as a token of its own, unquoted."""
    if "STRING" not in expected or len(str(token)) != 1 \
            or not source.text[:span.start].rstrip().endswith("delimiter"):
        return None
    return error("OCX001", f"the delimiter `{token}` is not quoted", span,
                 "a delimiter is quoted", help=f'write `delimiter "{token}"`')


def negated_field(token, expected: set[str], span: Span, history,
                  source: SourceFile) -> Diagnostic | None:
    """`-kwh`, `round(-total_cost.excl_vat, 1)`: a minus sign makes a negative number,
    not the negation of a field."""
    previous = history[-1] if history else None
    if token.type != "NAME" or expected != {"NUMBER"} or previous is None \
            or previous.type != "MINUS":
        return None
    if (bullet := _list_item(previous.start_pos, source)) is not None:
        return bullet
    field = re.match(r"[A-Za-z_][\w.]*\w|[A-Za-z_]", source.text[span.start:])
    name = field.group() if field else str(token)
    return error("OCX001", f"`-{name}` is not a value: a minus sign starts a negative number",
                 Span(previous.start_pos or span.start, span.start + len(name)),
                 "a field after a minus sign",
                 help=f"subtract it from zero: write `0 - {name}`")


def percent_share(token, history, source: SourceFile) -> Diagnostic | None:
    """`percentile(x, 90%)`: the share written as a percentage; the caret covers the
    number and its `%`, which the help writes as a share."""
    previous = history[-1] if history else None
    if str(token) != "%" or previous is None or previous.type not in ("INT", "NUMBER") \
            or previous.start_pos is None:
        return None
    before = source.text[:previous.start_pos]
    opened = before.rfind("percentile(")
    if opened == -1 or before.count("(", opened) <= before.count(")", opened):
        return None
    share = float(str(previous)) / 100
    return error("OCX001", "a percentile's share is a number from 0.05 to 0.95",
                 Span(previous.start_pos, (token.start_pos or 0) + 1), "a percentage",
                 notes=["`percentile(x, 0.9)` is the value below which 90% of the group lies"],
                 help=f"write `{share:g}`")


def _list_item(at: int | None, source: SourceFile) -> Diagnostic | None:
    """`- count() as sessions`: a column written as a YAML or Markdown list item (a `-`
    first on its line, then a space). The caret covers the line, which the help writes
    without the mark."""
    if at is None:
        return None
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    line = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    if source.text[start:at].strip() or not line[at - start + 1:at - start + 2].isspace():
        return None
    column = line[at - start + 1:].strip()
    return error("OCX001", "a column is not a list item", Span(at, start + len(line)),
                 "a `-` list mark", notes=["columns are written one per line, without a mark "
                                           "before them: a `-` before the next line's column "
                                           "would subtract it from this one"],
                 help=f"write `{column}`")


# `environ_impact[0].amount`, `evses[?status=='AVAILABLE'].uid`: a path with brackets
# the JMESPath functions the spec language does not have, called just before a path
JMESPATH_ONLY = ("length", "join", "contains", "keys", "values", "to_number", "to_string",
                 "to_array", "type", "sort", "reverse", "not_null", "starts_with",
                 "ends_with", "ceil", "floor", "abs", "merge", "sort_by", "max_by", "min_by")
_JMES_CALL = re.compile(r"\b(?:" + "|".join(JMESPATH_ONLY) + r")\(\Z")
_INDEXED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\[[^\]\n\"]*\](?:\.[A-Za-z_]\w*)*)+")


def indexed_path(token, expected, span: Span, history,
                 source: SourceFile) -> Diagnostic | None:
    """A field path with `[0]` or a filter in brackets, as JMESPath writes it: the spec
    language has no brackets in paths (the parser stops at the `[`, or at the `.` after
    `]` where `[0]` read as a list); the escape hatch reads them as written."""
    line_start = source.text.rfind("\n", 0, span.start) + 1
    line_end = source.text.find("\n", span.start)
    line = source.text[line_start:line_end if line_end != -1 else len(source.text)]
    at = span.start - line_start
    found = next((m for m in _INDEXED.finditer(line) if m.start() < at < m.end()
                  and "[" in line[m.start():at + 1]), None)
    if found is None:
        return None
    start, end = found.start(), found.end()
    call = _JMES_CALL.search(line, 0, start)
    if call is not None and line[end:end + 1] == ")":  # `length(evses[...])`, whole
        start, end = call.start(), end + 1
    written = line[start:end]
    if re.search(r"\bjoin\s+\w+\s+on\s*$", line[:start]):  # `on tariffs[0].id`
        key = re.sub(r"\[[^\]]*\]", "", written)
        return error("OCX001", "a join key has no `[...]`",
                     Span(line_start + start, line_start + end), "brackets in a join key",
                     notes=["a key in a list of the record joins by its first element "
                            "(`join tariffs on tariffs.id`: the CDR's first tariff)"],
                     help=f"write `{key}`")
    return error("OCX001", "a field path has no `[...]`",
                 Span(line_start + start, line_start + end),
                 "brackets in a field path",
                 notes=["a field path is names joined by `.`; `each LIST as NAME` under "
                        "`from` gives one row per element of a list, and `jmespath(\"...\")` "
                        "reads an element or a filtered list"],
                 help=f"write `jmespath(\"{written}\")`")


def in_hatch(written: str) -> str:
    """`length(jmespath("evses[?status=='AVAILABLE']"))` -> the JMESPath function in
    the escape hatch, `jmespath("length(evses[?status=='AVAILABLE'])")`: a hatch inside
    is unwrapped, other quoted texts become JMESPath's raw strings."""
    inner = re.sub(r'jmespath\("((?:[^"\\]|\\.)*)"\)', lambda m: m.group(1), written)
    inner = re.sub(r'"((?:[^"\\]|\\.)*)"', lambda m: "'" + m.group(1) + "'", inner)
    return f'jmespath("{inner}")'


_CALL_ARGUMENTS = re.compile(r"\s*\((?:[^()\n]|\([^()\n]*\))*\)")


def jmespath_join(token, source: SourceFile) -> Diagnostic | None:
    """`join(",", evses.capabilities)` as a column: `join` is the word of a dataset's
    joins; JMESPath's function of that name is written in the escape hatch."""
    if token.type != "JOIN":
        return None
    start = token.start_pos or 0
    arguments = _CALL_ARGUMENTS.match(source.text, token.end_pos or start)
    if arguments is None:
        return None
    written = source.text[start:arguments.end()]
    return error("OCX001", "`join(...)` is a JMESPath function, not a column",
                 Span(start, arguments.end()), "the escape hatch's function",
                 notes=["`join` starts a dataset's join (`join locations on location_id`); "
                        "JMESPath functions are written in `jmespath(\"...\")`"],
                 help=f"write `{in_hatch(written)}`")


_OTHER_DATE = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b"
                         r"|(\d{4})-(\d{1,2})-(\d{1,2})\b")


def other_date_form(text: str, start: int) -> tuple[re.Match, str] | None:
    """A date written at `start` as other tools write it (`2025/10/01`, `01-10-2025`,
    `2025-10-1`) and its ISO 8601 form, `2025-10-01` (a day-first date is read as
    Europe writes it: day, month, year); None when there is none."""
    found = _OTHER_DATE.match(text, start)
    if found is None:
        return None
    groups = found.groups()
    if groups[0]:
        year, month, day = groups[0:3]
    elif groups[3]:
        day, month, year = groups[3:6]
    else:
        year, month, day = groups[6:9]
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return found, f"{year}-{int(month):02d}-{int(day):02d}"


def written_date(token, expected, span: Span, source: SourceFile) -> Diagnostic | None:
    """`since 2025/10/01`, `since 01-10-2025`: a window's date is ISO 8601."""
    if "DATE" not in expected:
        return None
    if (other := other_date_form(source.text, span.start)) is None:
        return None
    found, iso = other
    return error("OCX001", f"`{found.group()}` is written `{iso}`",
                 Span(found.start(), found.end()), "not an ISO date",
                 notes=["dates are year-month-day with two-digit months and days; a UTC "
                        "time follows as `T06:00:00Z`"],
                 help=f"write `{iso}`")


_NUMBER_WORDS = {word: index for index, word in enumerate(
    ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
     "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split())}
_NUMBER_WORDS.update({"thirty": 30, "sixty": 60, "ninety": 90, "hundred": 100})


def number_word(token, expected, span: Span) -> Diagnostic | None:
    """`retention three years`, `last seven days`: a number written as a word."""
    number = _NUMBER_WORDS.get(str(token).lower()) if token.type == "NAME" else None
    if number is None or not expected & {"INT", "NUMBER"}:
        return None
    return error("OCX001", f"`{token}` is written `{number}`", span, "a number in words",
                 help=f"write `{number}`")


def number_word_before(token, history: list) -> Diagnostic | None:
    """`previous two complete months`: the number word was read as the period's name, so
    the parser stops at `complete`; the caret goes back to the word."""
    if token.type != "COMPLETE" or len(history) < 2 or history[-2].type != "PREVIOUS":
        return None
    word = history[-1]
    number = _NUMBER_WORDS.get(str(word).lower()) if word.type == "NAME" else None
    if number is None:
        return None
    return error("OCX001", f"`{word}` is written `{number}`",
                 Span(word.start_pos or 0, word.end_pos or 0),
                 "a number in words", help=f"write `{number}`")
