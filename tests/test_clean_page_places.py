"""A clean page holds each distinct place once and an index per object
(`CleanPage.place_of`, `place_keys`): what the scope keeps of it, the places it gives,
its subsets and its pickle are those of the place per object it was made with."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from ocpispec.ocpi.clean_pages import CleanPage
from ocpispec.ocpi.public_scope import PublicScope

_TEXTS = st.sampled_from(["NL", "DE", "ABC", "XYZ", "LOC1", "LOC2", "loc1", "", " "])
_PLACES = st.tuples(st.none() | _TEXTS, st.none() | _TEXTS, st.none() | _TEXTS)


def _page(places: list[tuple]) -> CleanPage:
    count = len(places)
    return CleanPage([b"{}\n"] * count, list(range(count)), ["2024-01-01T00:00:00Z"] * count,
                     [0] * count, [()], places)


@given(st.lists(_PLACES, max_size=40), st.sets(_PLACES, max_size=12), st.data())
def test_a_clean_page_keeps_what_a_look_up_per_object_keeps(places: list[tuple], known: set[tuple],
                                                            data: st.DataObject) -> None:
    scope = PublicScope("sessions", sites=frozenset(known), tariffs=frozenset())
    one_by_one = [place in known for place in places]
    page = pickle.loads(pickle.dumps(_page(places), pickle.HIGHEST_PROTOCOL))
    assert page.places == places
    assert page.kept_by(scope) == (None if all(one_by_one) else one_by_one)
    assert [item[4][0][2] for item in page.items()] == places
    indices = sorted(data.draw(st.sets(st.integers(0, max(len(places) - 1, 0)))) & set(range(len(places))))
    subset = page.subset(indices)
    picked = [one_by_one[i] for i in indices]
    assert subset.places == [places[i] for i in indices]
    assert subset.kept_by(scope) == (None if all(picked) else picked)


def test_a_page_without_a_scope_gives_no_places() -> None:
    page = pickle.loads(pickle.dumps(_page([]), pickle.HIGHEST_PROTOCOL))
    assert page.places == []
    assert CleanPage([b"{}\n"], [1], ["2024-01-01T00:00:00Z"], [0], [()]).places is None
