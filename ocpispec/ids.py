"""What makes two ids the same id: the one definition the crawl's dedup, the lookback's
digests, joins, per-id lookups, the private-location check and pseudonyms share.

OCPI ids are CiStrings: case does not count. Platforms pad them (a fixed-width column)
and some write them in Unicode's compatibility forms (full-width `ＬＯＣ１` from a
Japanese input method, the ligature `ﬁ`): `LOC1`, ` loc1 ` and `ＬＯＣ１` name one
object. The comparison form is Unicode's NFKC with case folding, without the white space
around it; for ASCII, which nearly every id is, that is `strip().lower()`. A definition
of its own in one place (dedup by `lower`, pseudonyms by NFKC) delivered a full-width id
as a second object under the first one's pseudonym.
"""

from __future__ import annotations

from typing import Any


def id_text(text: str) -> str:
    """The comparison form of an id written as text ("" for white space only)."""
    if text.isascii():
        return text.strip().lower()
    import unicodedata

    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).strip()


def number_text(value: int | float) -> str:
    """The id a platform meant by a JSON number where OCPI says text: its decimal
    digits, whichever way JSON wrote it (`1234`, `1234.0` and `1.234e3` are the card
    `"1234"`: read apart, one driver was two in the risk figures), any other number as
    Python writes it (`12.5`)."""
    if isinstance(value, int):
        return int.__repr__(value)
    return str(int(value)) if float.is_integer(value) else float.__repr__(value)


def same_id(value: Any) -> str | None:
    """The comparison form of an id as the platform sent it: text as `id_text`; some
    servers send numbers where OCPI says string; None (no id) for null, a boolean, an
    object or a list."""
    if value.__class__ is str:
        return id_text(value)
    match value:
        case bool() | None:
            return None
        case str():
            return id_text(str(value))
        case int() | float():  # as the wire reader reads it (`1234.0` is `"1234"`)
            return number_text(value)
    return None


def key_text(value: Any) -> str:
    """A key field as the crawl's dedup and the lookback's digests read it: `same_id`,
    or its text where it is no id ("" for a missing one)."""
    if value.__class__ is str:
        return value.strip().lower() if value.isascii() else id_text(value)
    found = same_id(value)
    return found if found is not None else ("" if value is None else id_text(str(value)))


def key_text_source(value: str, name: str) -> str:
    """Python source of `key_text(<value>)` for generated code (the crawl's page loop,
    a worker's judge), with ASCII text, nearly every id, read inline as `id_text` reads
    it, without the two calls per key field.
    `name`: a local name free for it; the code's namespace holds `key_text`."""
    return (f"({name}.strip().lower() if ({name} := {value}).__class__ is str and {name}.isascii() "
            f"else key_text({name}))")
