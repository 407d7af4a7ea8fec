"""Words as a hurried user types them: keywords in capitals (`SELECT`, `GROUP BY`), a
word that starts with a keyword where no name may stand (`inner` lexed as `in` +
`ner`), and a secret's variable written without `env`. The help writes the user's own
words in the language's form."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token
from ocpispec.language.parse_columns import sql_join

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    return error("OCX008", f"`{written}` is written `{written.lower()}`",
                 Span(start, start + shouted[-1].end()), "a keyword in capitals",
                 notes=["keywords are lower case; field names and values keep their case"],
                 help=f"write `{fixed}`")


def _quoted(line: str, at: int) -> bool:
    return line[:at].count('"') % 2 == 1


def glued_keyword(token: Token, before: list[Token], source: SourceFile,
                  keyword_types: set[str]) -> Diagnostic | None:
    """`previous quarter` then `inner join ...`: where no name may follow, the lexer reads
    the keyword `in` from the start of `inner` and the parser stops at `ner`. The word
    as written is what the reader sees and what is wrong."""
    keyword = before[-1] if before else None
    if keyword is None or keyword.type not in keyword_types or not str(keyword).isalpha() \
            or keyword.end_pos != token.start_pos or not str(token)[:1].isalnum():
        return None
    word = _WORD.match(source.text, keyword.start_pos or 0)
    if word is None:
        return None
    span = Span(word.start(), word.end())
    as_name = Token("NAME", word.group(), keyword.start_pos, keyword.line, keyword.column,
                    end_pos=word.end())
    found = sql_join(as_name, span, before[:-1], source)
    if found is not None:
        return found
    return error("OCX001", f"unexpected word `{word.group()}`", span,
                 f"read as the keyword `{keyword}` and "
                 f"`{source.text[token.start_pos:word.end()]}`",
                 notes=["a word that starts with a keyword is a name, and no name may stand "
                        "here"],
                 help="remove it, or fix the clause before it (the shape of every clause is "
                      "in `docs/language.md`)")
