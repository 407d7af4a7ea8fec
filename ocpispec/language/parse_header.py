"""Header lines as a hurried user writes them: a quoted legal basis (`legal basis
"public task"`), an article where the basis goes (`legal basis GDPR 6(1)(e)`), a
reference in parentheses, words after the retention (`retention 12 months after
delivery`). The help writes the line the language has: the basis in words, the
reference quoted after it."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_BASES = ("consent", "contract", "legal obligation", "vital interests", "public task",
          "legitimate interests")
_EXAMPLE = 'legal basis public task "Art. 6(1)(e) GDPR"'
# `6(1)(e)`, `6.1.e`, `6 1 e`: the letter of Art. 6(1), in the order of `_BASES`
_ARTICLE = re.compile(r"6\s*[(.\s]\s*1\s*[).\s]\s*[(.]?\s*([a-fA-F])\b\)?")
_FOREVER = ("indefinitely", "forever", "unlimited", "permanent", "permanently", "always",
            "infinite", "none", "unknown")


def header_habit(token, expected: set[str], span: Span, history,
                 source: SourceFile) -> Diagnostic | None:
    kinds = [seen.type for seen in history]
    for habit in (_assigned, _name_in_words, _two_texts):
        if (found := habit(token, kinds, history, source)) is not None:
            return found
    if kinds[-1:] == ["EXPORT"] and token.type in ("STRING", "NUMBER", "INT") \
            and "NAME" in expected:
        written = _rest_of_line(source, span.start).strip()
        slug = re.sub(r"[^a-z0-9]+", "_", written.strip('"').lower()).strip("_") or "export"
        name = slug if slug[0].isalpha() else f"export_{slug}"
        return error("OCX001", "an export's name is one word", span, "not a name",
                     notes=["names are ASCII letters, digits and `_`, starting with a letter; "
                            "the consumer's own words go in `consumer \"...\"`"],
                     help=f"write `export {name}`")
    basis_at = _after(kinds, ("LEGAL", "BASIS"))
    if basis_at is not None and "NAME" in expected:
        # `legal basis ...` then a line whose first word is no keyword (`keep 3 years`):
        # the basis's words ended with its line
        later = [seen for seen in (*history[basis_at:], token)
                 if seen.line != history[basis_at - 1].line]
        if later and (unknown := _header_word(later[0], source)) is not None:
            return unknown
        words = " ".join(str(seen) for seen in history[basis_at:])
        if token.type == "STRING" and not words and str(token)[1:-1].lower() in _BASES:
            return error("OCX001", "the legal basis is written in words, unquoted", span,
                         "a quoted basis",
                         notes=["a quoted text after the basis is its reference: "
                                f"`{_EXAMPLE}`"],
                         help=f"write `legal basis {str(token)[1:-1].lower()}`")
        basis = next((basis for basis in _BASES if (words.lower() + " ").startswith(
            basis + " ")), None)
        if basis is not None:
            after = history[basis_at + len(basis.split()):]
            start = after[0].start_pos if after else span.start
            reference = _rest_of_line(source, start).strip().strip("()").strip()
            return error("OCX001", "a legal basis's reference is quoted", span,
                         "an unquoted reference",
                         help=f'write `legal basis {basis} "{reference}"`')
        line_start = history[basis_at - 2].start_pos or span.start
        written = _rest_of_line(source, line_start).rstrip()
        letter = _ARTICLE.search(written)
        if letter is not None:  # `legal basis Art. 6(1)(e)`: the letter names the basis
            basis = _BASES[ord(letter.group(1).lower()) - ord("a")]
            return error("OCX001", "a legal basis is written in words, its article quoted",
                         Span(line_start, line_start + len(written)),
                         f"Art. 6(1)({letter.group(1).lower()}) is `{basis}`",
                         help=f'write `legal basis {basis} "Art. 6(1)'
                              f'({letter.group(1).lower()}) GDPR"`')
        return error("OCX001", "a legal basis is one of the GDPR Art. 6(1) bases, in words",
                     span, "not a basis", notes=["bases are " + ", ".join(
                         f"`{basis}`" for basis in _BASES)],
                     help=f"write e.g. `{_EXAMPLE}`: the basis, then the article quoted")
    if kinds[-1:] == ["RETENTION"] and token.type == "NAME" \
            and str(token).lower() in _FOREVER:
        return error("OCX001", "a retention is a length of time", span, "no end",
                     notes=["personal data is kept no longer than its purpose needs (GDPR "
                            "Art. 5(1)(e)): the consumer must know when to delete it"],
                     help="write `retention 10 years`, or the length agreed with the "
                          "consumer")
    if (unknown := _unknown_line(token, kinds, history, source)) is not None:
        return unknown
    if len(kinds) >= 3 and kinds[-3:-1] == ["RETENTION", "INT"] and "RETENTION" in expected \
            and token.type == "NAME" and token.line == history[-1].line:
        said = " ".join(str(seen) for seen in history[-3:])
        return error("OCX001", "the retention is a length only", span,
                     "words after the length",
                     notes=["from when it counts (delivery, collection) belongs in the purpose "
                            "or the data-sharing agreement"],
                     help=f"write `{said}`")
    return None


# a header line's keyword in other words: `salt env KEY`, `goal "..."`, `keep 5 years`
_HEADER_WORDS = {
    **dict.fromkeys(("salt", "secret", "hmac", "hmac_key", "pepper", "key", "hash_key",
                     "pseudonymisation_key", "pseudonymization_key"), "pseudonym key"),
    **dict.fromkeys(("goal", "reason", "why", "aim", "description"), "purpose"),
    **dict.fromkeys(("lawful", "gdpr", "basis", "legal_ground", "lawful_basis"),
                    "legal basis"),
    **dict.fromkeys(("keep", "retain", "storage", "storage_period", "ttl", "expires",
                     "retention_period", "delete_after"), "retention"),
    **dict.fromkeys(("client", "customer", "receiver", "for"), "consumer")}
_HEADER_LINES = ("consumer", "purpose", "legal basis", "retention", "pseudonym key",
                 "pseudonym scope", "licence", "requires approval")


def _unknown_line(token, kinds: list[str], history, source: SourceFile) -> Diagnostic | None:
    """A header line whose first word is no keyword (`salt env UNI_KEY` after
    `retention 3 years`, read as words after the length): the keyword it stands for."""
    if token.type != "NAME" or "SOURCE" in kinds or "FROM" in kinds or "EXPORT" not in kinds \
            or not history or token.line == history[-1].line:
        return None
    return _header_word(token, source)


def _header_word(token, source: SourceFile) -> Diagnostic | None:
    """OCX008 for `token`, first on its line, when it stands for a header line's keyword."""
    if token.start_pos is None:
        return None
    line_start = source.text.rfind("\n", 0, token.start_pos) + 1
    if source.text[line_start:token.start_pos].strip():
        return None
    word = str(token).lower()
    meant = _HEADER_WORDS.get(word)
    if meant is None:
        import difflib  # only on an error

        close = difflib.get_close_matches(word, [line.split()[0] for line in _HEADER_LINES],
                                          n=1, cutoff=0.75)
        meant = next((line for line in _HEADER_LINES if close and line.startswith(close[0])),
                     None)
    if meant is None:
        return None
    start = token.start_pos
    return error("OCX008", f"`{token}` is not a line of the header",
                 Span(start, start + len(str(token))), f"did you mean `{meant}`?",
                 notes=["the header's lines are " + ", ".join(f"`{line}`"
                                                              for line in _HEADER_LINES)],
                 help=f"write `{meant}`")


def _after(kinds: list[str], opening: tuple[str, ...]) -> int | None:
    """The index after `legal basis` when it is the clause being written."""
    for index in range(len(kinds) - 1, 0, -1):
        if tuple(kinds[index - 1:index + 1]) == opening:
            later = kinds[index + 1:]
            return index + 1 if all(kind == "NAME" for kind in later) else None
    return None


def _rest_of_line(source: SourceFile, start: int) -> str:
    end = source.text.find("\n", start)
    return source.text[start:end if end != -1 else len(source.text)].split("#")[0]


_KEYWORD = re.compile(r"[a-z]+")


def _assigned(token, kinds: list[str], history, source: SourceFile) -> Diagnostic | None:
    """`consumer = "..."`, `version = auto`, `retention = 10 years`: a setting written as
    an assignment. The help writes the line without the `=`."""
    previous = history[-1] if history else None
    if previous is None or token.type != "COMPARATOR" or str(token) != "=" \
            or not _KEYWORD.fullmatch(str(previous)) or previous.type in _VALUES \
            or previous.end_pos is None or token.line != previous.line:
        return None
    line = source.text[previous.start_pos or 0:].split("\n", 1)[0].split("#")[0].rstrip()
    start = line.find("=", len(str(previous)))
    if start < 0:
        return None
    fixed = f"{str(previous)} {line[start + 1:].strip()}".rstrip()
    return error("OCX001", f"`{previous}` takes its value without `=`",
                 Span(previous.start_pos or 0, (previous.start_pos or 0) + len(line)),
                 "remove this `=`", help=f"write `{fixed}`")


_VALUES = {"NAME", "STRING", "INT", "NUMBER", "DATE", "TIME", "VERSION", "PARTY", "RPAR"}


def _name_in_words(token, kinds: list[str], history, source: SourceFile) -> Diagnostic | None:
    """`export stats office`: an export's name in several words."""
    if kinds[-2:] != ["EXPORT", "NAME"] or token.type != "NAME" \
            or token.line != history[-1].line:
        return None
    start = history[-1].start_pos or 0
    words = _rest_of_line(source, start).split()
    return error("OCX001", "an export's name is one word",
                 Span(start, start + len(_rest_of_line(source, start).rstrip())),
                 "several words", notes=["names are ASCII letters, digits and `_`; the "
                                         "consumer's own words go in `consumer \"...\"`"],
                 help=f"write `{'_'.join(word.lower() for word in words)}`")


def _two_texts(token, kinds: list[str], history, source: SourceFile) -> Diagnostic | None:
    """`purpose "Planning" "of chargers"`: a header text in two quoted parts."""
    if token.type != "STRING" or kinds[-1:] != ["STRING"] or len(kinds) < 2 \
            or kinds[-2] not in ("CONSUMER", "PURPOSE"):
        return None
    first, keyword = history[-1], history[-2]
    joined = f'{str(first)[1:-1]} {str(token)[1:-1]}'
    return error("OCX001", f"`{keyword}` takes one quoted text",
                 Span(keyword.start_pos or 0, token.end_pos or 0), "two texts",
                 help=f'write `{keyword} "{joined}"`')
