"""A list page whose `data` wraps the list in an object (`{"items": [...]}`) is read there;
nothing else that is an object where the list belongs is mistaken for one."""

from __future__ import annotations

import pytest

from ocpispec.ocpi.body import nested_list

SESSION = {"id": "S1", "kwh": 1.0, "charging_periods": [{"start_date_time": "2025-01-01T00:00:00Z"}],
           "last_updated": "2025-01-01T00:00:00Z"}


@pytest.mark.parametrize("data", [{"items": [SESSION]}, {"items": [SESSION], "total": 30, "next": None},
                                  {"results": []}, {"content": [SESSION], "page": {"number": 0}}])
def test_a_list_wrapped_under_one_key_is_found(data: dict) -> None:
    key, items = nested_list(data)
    assert key in ("items", "results", "content") and items is data[key]


@pytest.mark.parametrize("data", [
    SESSION,                                          # one object where the list belongs
    {"id": "T1", "currency": "EUR", "elements": [{"price_components": []}], "last_updated": "x"},
    {"items": [SESSION], "more": [SESSION]},          # two lists: which one?
    {"items": [SESSION, "S2"]},                       # an item that is no object
    {"NL-TNM-012204-5": [SESSION]},                   # a key that is data, not a name
    {"items": {"S1": SESSION}},
    [SESSION], None, "items",
])
def test_nothing_else_is_read_as_a_wrapped_list(data: object) -> None:
    assert nested_list(data) is None
