"""Small helpers for the words every view prints."""

from __future__ import annotations

from ocpispec.lazy_pattern import lazy


def count(number: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """`1 warning`, `2 warnings`, `3 fields withheld`; `grouped` prints `12,500`."""
    amount = f"{number:,}" if grouped else str(number)
    return f"{amount} {noun if number == 1 else plural or noun + 's'}"


def duration(seconds: float) -> str:
    """`45 seconds`, `10 minutes`, `3 hours`, `2 days`: rounded to the largest unit of
    which it holds at least two."""
    seconds = round(abs(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return count(round(seconds / size), unit)
    return count(seconds, "second")


def code_span(text: str) -> str:
    """`text` as a code span in the words a review prints, which no backtick of its own
    can end early (a JMESPath literal, ``x || `[]` ``): fenced by one backtick more
    than its longest run of them, with a space inside where CommonMark strips one.
    Markdown reads it as the text; `CODE_SPAN` finds it for the HTML page."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padded = text[:1] == "`" or text[-1:] == "`" or \
        (text[:1] == " " and text[-1:] == " " and text.strip(" ") != "")
    pad = " " if padded else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_text(fenced: str) -> str:
    """The text of a code span `CODE_SPAN` matched (its content group), as CommonMark
    reads it: one space stripped from each end when both ends have one."""
    if len(fenced) > 1 and fenced[0] == " " and fenced[-1] == " " and fenced.strip(" "):
        return fenced[1:-1]
    return fenced


_BACKTICKS = lazy(r"`+")
# a code span: a run of backticks, then text up to a run of exactly as many
CODE_SPAN = lazy(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


_SOUNDED_AS_YOU = ("uni", "use", "usu", "uti", "eu", "one")  # `a unit`, `a use`, `a one-time`
_SILENT_H = ("hour", "honest", "honour", "honor")
# the consonants a word may begin with before its first vowel; a name beginning with any
# other run (`xlsx`, `sftp`, `ndjson`, `HTML`) is read letter by letter
_ONSETS = frozenset(
    "bl br ch chr cl cr dr dw fl fr gh gl gn gr kl kn kr ph phr pl pr ps qu rh sc sch scr sh "
    "shr sk sl sm sn sp sph spl spr squ st str sw th thr tr tw wh wr".split())
_LETTERS_SAID_WITH_A_VOWEL = "aefhilmnorsx"  # `an F`, `an H`, `an L`, `an S`, `an X`
_WORD = lazy(r"[A-Za-z0-9]+")


def _spelled(word: str) -> bool:
    """Whether `word` is read letter by letter: no vowel (`csv`, `HTML`), a digit
    (`s3`), one letter, or a start no English word has (`xlsx`, `sftp`, `ndjson`)."""
    if len(word) == 1 or any(char.isdigit() for char in word):
        return True
    lowered = word.lower()
    first_vowel = next((at for at, char in enumerate(lowered)
                        if char in "aeiou" or (char == "y" and at > 0)), None)
    if first_vowel is None:
        return True
    onset = lowered[:first_vowel]
    return len(onset) > 1 and onset not in _ONSETS and not onset.startswith(tuple(_ONSETS))


def with_article(word: str) -> str:
    """`word` with its indefinite article: `an AuthMethod`, `an hour`, `a `Tariff``, `a
    unit`, `a URL`, `an `xlsx``, `an SFTP`, `a `csv``; the article goes by the sound of
    the first letters, past backticks and quotes, reading a name no word begins like
    letter by letter."""
    found = _WORD.search(word.lstrip("`'\"("))
    bare = found.group() if found and found.start() == 0 else ""
    lowered = bare.lower()
    if not bare:
        return f"a {word}"
    if lowered.startswith(_SILENT_H):
        return f"an {word}"
    if lowered.startswith(_SOUNDED_AS_YOU) or lowered[:2] in ("ur", "ut", "us", "uk", "uu"):
        return f"a {word}"  # `unit`, `one-time`, `URL`, `UTC`, `uuid`: a consonant's sound
    if _spelled(bare):
        return f"an {word}" if lowered[0] in _LETTERS_SAID_WITH_A_VOWEL else f"a {word}"
    return f"an {word}" if lowered[0] in "aeiou" else f"a {word}"
