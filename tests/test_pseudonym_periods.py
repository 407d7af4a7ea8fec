"""`pseudonymize_in` keeps the keys and caches of a few recent periods only: the same
pseudonyms as a fresh key per period, whatever the order, in bounded memory."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.execute import pseudonyms
from ocpispec.execute.pseudonyms import PseudonymDomain, periodic_pseudonymizer, pseudonymizer

MASTER = bytes.fromhex("3f9a1c7e52b8d04e6a2f91c5b7e30d8a4c6f1e92b5d7a03c8e4f2b61d9a7c05e")
DOMAIN = PseudonymDomain("weekly", "Gemeente")

_days = st.integers(min_value=0, max_value=400).map(lambda day: f"2025-01-01T00:00:00Z" if day == 0 else
                                                     f"{2025 + day // 365}-{1 + (day % 365) // 31:02d}-"
                                                     f"{1 + (day % 365) % 28:02d}T10:00:00Z")


@settings(max_examples=60)
@given(st.lists(st.tuples(st.sampled_from(["NL-ABC-1", "NL-ABC-2", "DE-X-9"]),
                          st.sampled_from(["token", "location"]), _days), max_size=80))
def test_the_same_pseudonyms_as_a_key_per_period(calls):
    periodic = periodic_pseudonymizer(MASTER, DOMAIN)
    for value, family, moment in calls:
        period = pseudonyms.pseudonym_scope.period_of("per week", pseudonyms.read_timestamp(moment))
        fresh = pseudonymizer(MASTER, PseudonymDomain(DOMAIN.export, DOMAIN.consumer, period), family)
        assert periodic(value, family, moment, "per week") == fresh(value)


def test_only_recent_periods_keep_their_keys(monkeypatch):
    made = []
    real = pseudonyms.pseudonymizer
    monkeypatch.setattr(pseudonyms, "pseudonymizer", lambda *args: made.append(args[1].period) or real(*args))
    periodic = periodic_pseudonymizer(MASTER, DOMAIN)
    months = [f"2025-{month:02d}-15T10:00:00Z" for month in range(1, 13)]
    for moment in months + months[-3:]:            # the last three are kept: no new key
        periodic("NL-ABC-1", "token", moment, "per month")
    assert len(made) == 12
    periodic("NL-ABC-1", "token", months[0], "per month")      # long gone: derived again
    assert len(made) == 13 and pseudonyms._PERIODS_KEPT < 12


def test_the_kept_periods_remember_a_bounded_number_of_drivers_in_all():
    """A week's drivers are many and seldom charge twice in it: the caches of the kept
    periods hold `_PERIODIC_CACHE_LIMIT` drivers in all (50,000 held 7 MB more at
    1,000,000 realistic sessions than at 100,000, `bench_memory.py`)."""
    periodic = periodic_pseudonymizer(MASTER, DOMAIN)
    weeks = [f"2025-{month:02d}-{day:02d}T10:00:00Z" for month in (1, 2, 3) for day in (3, 10, 17)]
    for week in weeks:
        for driver in range(4_000):
            periodic(f"NL-ABC-C{driver:08d}", "token", week, "per week")
    kept = next(cell.cell_contents for cell in periodic.__closure__
                if cell.cell_contents.__class__.__name__ == "OrderedDict")
    caches = [cell.cell_contents for memo in kept.values() for cell in memo.__closure__
              if cell.cell_contents.__class__ is dict]
    assert len(caches) == pseudonyms._PERIODS_KEPT
    assert sum(len(cache) for cache in caches) <= 16_384
