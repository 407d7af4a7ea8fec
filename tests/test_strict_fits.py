"""The strict pages' test of key fields (`ocpi.strict_pages`, once a page where msgspec
ran the regular expression `\\S` on every key): a page whose key is white space of any
kind takes the Python path in `run`'s workers and in `get`, with what the Python path
makes of it; a key with anything else in it fits."""

from __future__ import annotations

import orjson
import pytest
from test_fast_pages import RECORDS, _fast, _fits, _page, _same, _slow, _strict


@pytest.mark.parametrize("field", ["id", "country_code", "party_id"])
@pytest.mark.parametrize("blank", ["", " ", "\u3000", "\x1c\x85", "\t\u2028 "])
def test_a_page_with_a_blank_key_takes_the_python_path(field: str, blank: str) -> None:
    records = [dict(record) for record in RECORDS[("2.2.1", "sessions")]]
    records[2][field] = blank
    content = _page(records)
    assert not _fits("2.2.1", "sessions", content)
    assert _fast("2.2.1", "sessions", frozenset(), content) is None
    slow, strict = _slow("2.2.1", "sessions", frozenset(), content), _strict("2.2.1", "sessions", content)
    assert slow is not None and strict == slow
    problems = [item[0] for item in slow["data"]]
    assert problems[2] is not None and f"key field `{field}`" in problems[2]   # missing, or too long
    assert problems[:2] + problems[3:] == [None] * (len(records) - 1)


@pytest.mark.parametrize("text", ["\u200bDMO", " NL", "x\u3000"])
def test_a_key_with_something_besides_white_space_fits(text: str) -> None:
    records = [dict(record) for record in RECORDS[("2.2.1", "sessions")]]
    records[0]["id"] = text
    content = _page(records)
    assert _fits("2.2.1", "sessions", content)
    fast = _fast("2.2.1", "sessions", frozenset(), content)
    assert fast is not None
    _same(fast, _slow("2.2.1", "sessions", frozenset(), content))
    assert orjson.loads(content)["data"][0]["id"] == text
