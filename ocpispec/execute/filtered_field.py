"""A platform whose date filters apply to another stamp than `last_updated` (OCX563).

A `since last run` window asks for the records with `date_from <= last_updated <
date_to`. A platform that applies the filters to when a session or CDR started (or
ended) sends, for the window, the records that started in it: a session that started in
an earlier window and was updated in this one (it ended, its CDR was rated) lies in no
window ever asked again, and the run delivered the rest and exited 0. Nothing in a
window's own answer shows it: every record sent lies inside by its `last_updated`.

So a run after the first (a window starting at a watermark), and every run of a
calendar window (`previous day`, which tiles the list the same way), asks twice: a first page
of the list, for a record whose other stamp (`start_date_time`, ...) lies two seconds or
more from its `last_updated`, and then the list of the two seconds around that stamp (an
exclusive `date_from` or an inclusive `date_to` keeps it inside all the same). A
platform filtering by `last_updated` sends back only records updated then; one
filtering by the other stamp sends that record, updated outside them, with every record
of the answer holding the stamp inside them. A third request, around the record's
`last_updated`, tells a platform that ignores the filters (it sends the record there
too) from one filtering on the stamp (it does not). The run then fails
before anything is committed: no later run could find what it loses.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.execute.policy import NOTHING_COMMITTED
from ocpispec.ids import same_id
from ocpispec.plan import ir
from ocpispec.timestamps import EPOCH_FLOOR, format_timestamp, parse_timestamp, read_timestamp

SAMPLE = 10  # objects of the first page asked for
_STAMP_FIELD = re.compile(r"[a-z][a-z_]{0,39}_?date_?time")  # a field name, never a value
_SECOND = timedelta(seconds=1)


def requests(dataset: ir.Dataset, window: Any, sample: bool) -> int:
    """The requests `check` makes for `dataset` in `window` (a dry run's count; a third only
    where it fails the run)."""
    return 2 if _asked(dataset, window, sample) else 0


def check(client: Any, dataset: ir.Dataset, window: Any, sample: bool) -> None:
    """Raises OCX563 when the platform applies the date filters of `dataset`'s list to
    another stamp than `last_updated` (at most three requests)."""
    if not _asked(dataset, window, sample) or getattr(client, "first_objects", None) is None:
        return
    from ocpispec.execute.run_facts import once

    # a second dataset of the module and window in the run: answered already (it passed)
    once(client, ("filtered-field", dataset.module, window.date_to),
         lambda: _check(client, dataset, window))


def _check(client: Any, dataset: ir.Dataset, window: Any) -> None:
    module = dataset.module
    end = read_timestamp(window.date_to) if window.date_to is not None else None
    found = _probe_record(client.first_objects(module, date_to=end, limit=SAMPLE) or ())
    if found is None:
        return
    key, field, stamp, updated = found
    # two seconds around the stamp's: a `date_from` read as exclusive, a `date_to` as
    # inclusive, keep it inside all the same
    start = _second(stamp) - _SECOND
    answer = client.first_objects(module, date_from=start, date_to=start + 2 * _SECOND, limit=SAMPLE)
    if not _filtered_on(answer or (), field, start, key):
        return
    own = _second(updated) - _SECOND
    beside = client.first_objects(module, date_from=own, date_to=own + 2 * _SECOND, limit=SAMPLE)
    if any(_key(item) == key for item in beside or ()):
        return    # the filters are ignored: every run reads the whole list and keeps its window
    raise _diagnostic(dataset, field, start)


def _asked(dataset: ir.Dataset, window: Any, sample: bool) -> bool:
    """For the windows that tile the list by `last_updated` (`since last run`, a calendar
    window of a schedule), where one starts later than 1970: a first `since last run`
    window reads everything."""
    fetch = dataset.step(ir.Fetch)
    return (fetch.window.tracked and not fetch.window.event_time and not sample
            and window is not None and window.date_from is not None
            and read_timestamp(window.date_from) > EPOCH_FLOOR)


def _probe_record(objects: Any) -> tuple[tuple[str | None, ...], str, datetime, datetime] | None:
    """A record of `objects` with a top-level stamp other than `last_updated` two seconds
    or more from its `last_updated`: its key, that field's name, its stamp, its update."""
    for item in objects:
        if item.__class__ is not dict or (key := _key(item)) is None \
                or (updated := _moment(item.get("last_updated"))) is None:
            continue
        for name, value in item.items():
            if name != "last_updated" and name.__class__ is str and _STAMP_FIELD.fullmatch(name) \
                    and (moment := _moment(value)) is not None \
                    and abs(_second(moment) - _second(updated)) >= 2 * _SECOND:
                return key, name, moment, updated
    return None


def _filtered_on(objects: Any, field: str, start: datetime, key: tuple[str | None, ...]) -> bool:
    """Whether the answer for the two seconds from `start` holds the record `key`
    (updated outside them), and every record of it holds `field` from `start` on (in
    them, or after them where the platform ignores `date_to`)."""
    held = [item for item in objects if item.__class__ is dict]
    if not any(_key(item) == key for item in held):
        return False
    return all((moment := _moment(item.get(field))) is not None and _second(moment) >= start
               for item in held)


def _key(item: dict) -> tuple[str | None, ...] | None:
    """The record's id with its party (2.2+: an id is unique only within its party)."""
    if (identity := same_id(item.get("id", item.get("uid")))) is None:
        return None
    return identity, same_id(item.get("country_code")), same_id(item.get("party_id"))


def _moment(value: Any) -> datetime | None:
    return parse_timestamp(value) if value.__class__ is str else None


def _second(moment: datetime) -> datetime:
    return moment - timedelta(microseconds=moment.microsecond)


def _diagnostic(dataset: ir.Dataset, field: str, start: datetime) -> RunError:
    module = dataset.module
    return RunError.of(
        "OCX563", f"the platform applies the date filters of `{module}` to `{field}`, not to `last_updated`",
        dataset.step(ir.Fetch).origin, "fetched here",
        notes=(f"asked for the {module} updated in the two seconds from {format_timestamp(start)}, the "
               f"platform sent a record updated at another time whose `{field}` lies in them",
               f"a `since last run` window gets no record updated after the window its `{field}` lies in "
               "(a session that ended, a CDR rated later), and no later window asks for it again",
               NOTHING_COMMITTED),
        help="ask the CPO to apply `date_from` and `date_to` to `last_updated`, as OCPI says (`ocpispec "
             "doctor` shows the same); a `since last run` export of this list loses records until then")
