"""Words as a hurried user types them: keywords in capitals (`SELECT`, `GROUP BY`), a
keyword run together with the next word (`groupby`), and a secret's variable written
without `env`. The help writes the user's own
words in the language's form."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token

if TYPE_CHECKING:
    from collections.abc import Callable

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARENTHESISED = re.compile(r"\s*\(([^()#\n]*)\)")


def bare_secret(token: Token, expected: set[str], span: Span) -> Diagnostic | None:
    """`pseudonym key TUD_KEY`, `token OCPI_TOKEN`: a variable's name where a secret is
    referenced. Quoted, it would be the secret itself (OCX305); it is `env NAME`."""
    if token.type != "NAME" or not {"ENV", "PROFILE"} <= expected:
        return None
    name = str(token)
    return error("OCX001", f"`{name}` needs `env` or `profile` before it", span,
                 "a bare name where a secret is referenced",
                 notes=["secrets are never written into a spec: `env NAME` reads the "
                        "environment variable NAME, `profile NAME` a stored login"],
                 help=f"write `env {name}`")


def upper_case_keywords(token: Token, source: SourceFile,
                        keywords: set[str]) -> Diagnostic | None:
    """`SELECT`, `GROUP BY`, `JOIN locations ON location_id`: keywords written in capitals,
    as SQL allows. The help writes the line from the word on with its keywords in lower
    case (and nothing else changed)."""
    if token.type == "$END":
        return None
    keywords = {word for word in keywords if word.isalpha()}
    start = source.text.rfind("\n", 0, token.start_pos or 0) + 1  # `OUTPUT csv to`: the
    end = source.text.find("\n", start)                        # parser stops at `to`
    line = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    shouted = [m for m in _WORD.finditer(line) if m.group() != m.group().lower()
               and len(m.group()) > 1  # `K`: a variable's name, not `k`
               and m.group().lower() in keywords and not _quoted(line, m.start())]
    if not shouted or start + shouted[0].start() > (token.start_pos or 0):
        return None
    written = shouted[0].group()
    start += shouted[0].start()
    line = line[shouted[0].start():]
    shouted = [m for m in _WORD.finditer(line) if m.group() != m.group().lower()
               and len(m.group()) > 1  # `K`: a variable's name, not `k`
               and m.group().lower() in keywords and not _quoted(line, m.start())]
    fixed = line[:shouted[-1].end()]
    for match in reversed(shouted):
        fixed = fixed[:match.start()] + match.group().lower() + fixed[match.end():]
    end = start + shouted[-1].end()
    if written == "BETWEEN" and (compared := _between_compared(source, start, end, fixed)):
        start, end, fixed = compared  # `between` is a window: the help writes both comparisons
    elif re.search(r"\bin$", fixed) and (listed := _PARENTHESISED.match(source.text, end)):
        # `IN ('A', 'B')`: the list in brackets and double quotes too (each its own error)
        from ocpispec.language.parse_values import double_quoted

        end = listed.end()
        fixed = f"{fixed} [{double_quoted(listed.group(1).strip())}]"
    return error("OCX008", f"`{written}` is written `{written.lower()}`",
                 Span(start, end), "a keyword in capitals",
                 notes=["keywords are lower case; field names and values keep their case"],
                 help=f"write `{fixed}`")


def shouted_name(history: list[Token], source: SourceFile,
                 keywords: set[str]) -> Diagnostic | None:
    """`COMPUTE` alone on its line under `group by`: the parser read it as a column and
    stopped lines below (at `minimum group size`, 'before `compute`'). A name the parser
    took that is a keyword in capitals is the cause, said on its own line."""
    reserved = {word for word in keywords if word.isalpha()}
    shouted = next((seen for seen in history if seen.type == "NAME" and len(str(seen)) > 1
                    and str(seen) != str(seen).lower() and str(seen).lower() in reserved),
                   None)
    return upper_case_keywords(shouted, source, keywords) if shouted is not None else None


def _between_compared(source: SourceFile, at: int, end: int,
                      fixed: str) -> tuple[int, int, str] | None:
    """`kwh BETWEEN 5 AND 80` in a condition: the caret (from the value to the range's
    end or the last word lowered) and the words lowered with the range as two
    comparisons (`kwh >= 5 and kwh <= 80`), as OCX001 of the lowered `between` writes."""
    from ocpispec.language.parse_values import BETWEEN

    line_start = source.text.rfind("\n", 0, at) + 1
    line_end = source.text.find("\n", end)
    before = source.text[line_start:at]
    whole = before + fixed + source.text[end:len(source.text) if line_end == -1 else line_end]
    found = next((m for m in BETWEEN.finditer(whole) if m.start(1) < len(before)), None)
    if found is None or whole[found.end(1):len(before)].strip():
        return None
    value, low, high = found.groups()
    both = f"{value} >= {low} and {value} <= {high}"
    stop = max(len(before) + len(fixed), found.end())
    return line_start + found.start(1), line_start + stop, both + whole[found.end():stop]


def _quoted(line: str, at: int) -> bool:
    return line[:at].count('"') % 2 == 1


def glued_keywords(token: Token, keywords: dict[str, str], state: Any, span: Span,
                   diagnose: Callable[[int], Diagnostic | None]) -> Diagnostic | None:
    """`groupby`, `since lastrun`, `fromsessions`, `outputcsv`: a keyword the parser
    accepts here run together with the word after it. A keyword is a whole word, so this
    is one unknown word; the help splits it when the parse goes on with both parts
    (`state`: lark's parser state at the word). When it does not (`lastmonth`: `last`
    takes a number), the split words are a mistake of their own: `diagnose(at)` gives
    the diagnostic of the spec with a space at `at`, whose help is the one to give."""
    if token.type != "NAME" or state is None:
        return None
    written = str(token)
    splits = [word for word in sorted(keywords, key=len, reverse=True)
              if word.isalpha() and written.startswith(word)
              and written[len(word):][:1].isalnum()]
    for word in splits:
        rest = written[len(word):]
        if any(continues(state, (keywords[word], word), (type_, rest))
               for type_ in _types_of(rest, keywords)):
            return error("OCX008", f"unknown keyword `{written}`", span,
                         f"`{word}` and `{rest}` run together",
                         notes=["keywords are words of their own, apart from what follows"],
                         help=f"write `{word} {rest}`")
    for word in splits:
        if continues(state, (keywords[word], word)) \
                and (split := _split_mistake(span, word, written[len(word):],
                                             diagnose)) is not None:
            return split
    return None


def _split_mistake(span: Span, word: str, rest: str,
                   diagnose: Callable[[int], Diagnostic | None]) -> Diagnostic | None:
    """The diagnostic of the words apart (`last month`: "write `last 1 month`, or
    `previous month`"), when its caret starts at the word and covers both parts: its
    help then applies over the glued word as written."""
    at = span.start + len(word)
    found = diagnose(at)
    where = found.primary_span if found is not None else None
    if found is None or where is None or found.help is None or where.start != span.start \
            or where.end <= at or found.help.startswith("write one of the expected"):
        return None
    return error("OCX008", found.message, Span(span.start, where.end - 1),
                 f"`{word}` and `{rest}` run together",
                 notes=["keywords are words of their own, apart from what follows",
                        *found.notes], help=found.help)


def _types_of(rest: str, keywords: dict[str, str]) -> list[str]:
    """What `rest` may be lexed as: a keyword is a name where no keyword may stand
    (`previous month`), and digits start a number, a time (`at06:00`) or a date."""
    if rest[:1].isdigit():
        return ["INT", "NUMBER", "TIME", "DATE", "PERCENT"]
    return [type_ for type_ in (keywords.get(rest), "NAME") if type_ is not None]


def continues(state: Any, *tokens: tuple[str, str]) -> bool:
    """Whether the parse takes `tokens` one after the other from `state`."""
    try:
        state = state.copy()
        for type_, value in tokens:
            state.feed_token(Token(type_, value))
    except Exception:  # noqa: BLE001 - lark's UnexpectedToken, or a state it cannot copy
        return False
    return True
