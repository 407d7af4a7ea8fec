"""The earliest and latest `last_updated` of a page, as the checks of a list's end read
them (`crawl_ends.stamp_range`): only the first and last in text order are read where
every stamp is a plain `YYYY-MM-DDTHH:MM:SSZ`, and the answer is the same as reading
them all, whatever the page holds (other forms, days that do not exist, leap seconds,
no stamp at all)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ocpispec.ocpi.crawl_ends import stamp_range
from ocpispec.timestamps import parse_timestamp

_PLAIN = st.builds("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format,
                   st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32),
                   st.integers(0, 24), st.integers(0, 60), st.integers(0, 60))
_OTHER = st.sampled_from(["2026-01-01T10:00:00.5Z", "2026-01-01T11:00:00+02:00", " 2026-01-01T09:00:00Z",
                          "2026-01-01 12:00:00", "not a time", ""])
_STAMP = st.one_of(_PLAIN, _PLAIN, _OTHER, st.none(), st.integers())


def _every_one_read(texts: tuple) -> tuple | None:
    moments = [moment for text in texts if (moment := parse_timestamp(text)) is not None]
    return (min(moments), max(moments)) if moments else None


@given(st.lists(_STAMP, max_size=30).map(tuple))
def test_the_range_of_a_page_is_that_of_every_stamp_read(texts: tuple) -> None:
    assert stamp_range(texts) == _every_one_read(texts)


@given(st.lists(_PLAIN, min_size=1, max_size=30).map(tuple))
def test_plain_stamps_alone(texts: tuple) -> None:
    assert stamp_range(texts) == _every_one_read(texts)


def test_a_page_of_plain_stamps() -> None:
    texts = ("2026-03-01T10:00:00Z", "2025-12-31T23:59:60Z", "2026-02-30T00:00:00Z", "2026-01-15T08:30:00Z")
    low, high = stamp_range(texts)
    assert (low.isoformat(), high.isoformat()) == ("2025-12-31T23:59:59+00:00", "2026-03-01T10:00:00+00:00")
