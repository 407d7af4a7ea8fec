"""Worker processes for the records of one dataset (`run --workers N`).

Pages are independent: a worker parses a page body, reads and checks each object
(`ObjectCheck`, the same code as in one process), keys it, normalises its timestamps
and runs the dataset's record pipeline on it. The parent keeps everything that spans
pages, in page order: the dedup (`accept.accept_prepared`), the window, the counts and
the writer, so the output is byte-identical to `--workers 1`. A worker may also render
a row's line for the writer (`DatasetOutput.rendered_beside`), which the parent writes
as it is.

    pool = PagePool(2, version, module, pipeline)   # forks the workers now
    pages = client.fetch_pages(..., prepare=pool.prepare)
    rows = prepared_rows(records, counts, one)      # counts as `Pipeline.rows` does

A row dataset's risk meter needs the driver of each row's record: the worker reads it
too (`RowRisk.beside`: the driver hidden as in one process, and the row's class and
point) and sends it beside the row, so the records never come back to the parent.
    pool.close()

The workers are forked (never spawned): they inherit the compiled pipeline, its
lookup tables and the pseudonym key from memory, so no secret is ever in a process
argument, a pipe or a log. A body a worker cannot read as a list page (not JSON,
invalid UTF-8, no `data` list, an envelope value that is no scalar) goes back to the
parent's own decoding.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from ocpispec.execute import fork_imports
from ocpispec.execute.worker_failures import (PAGES_LOST, WORK_LOST, stuck, unstick, worker_ended,
                                              workers_not_started)
from ocpispec.execute.signals import deferred_signals, quiet_worker
from ocpispec.ocpi.accept import Prepared, clean_judge, clean_key, invalid_print
from ocpispec.ocpi.objects import ObjectCheck, normalise_timestamps, raise_location_stamp
from ocpispec.ocpi.repeated import FLAGGED_MODULES, settle
from ocpispec.ocpi.repeated_keys import holds_marks
from ocpispec.ocpi.row_pages import fitting_row_page, row_page
from ocpispec.schema.wire_check import NOTHING
from ocpispec.timestamps import loose_timestamps

if TYPE_CHECKING:
    from ocpispec.execute.value_key import KeyBeside


# (check, per-record pipeline, its counts, what is computed beside a row or None, the
# check's inline judge and key of a clean object or None, a row's sort key or None, the
# row rendered or None): set in the parent just before the fork
_STATE: tuple[ObjectCheck, Callable[[dict], dict | None], Any,
              Callable[[dict, dict], Any] | None, Any,
              Callable[[dict], bytes] | None,
              Callable[[dict], tuple[str, int] | None] | None] | None = None


# a row's sort key and its rendered line in one call (`keyed_lines`), in place of
# `order` and `render`, or None: set with `_STATE`
_KEYED: Callable[[dict], tuple[bytes, tuple[str, int] | None]] | None = None

# `record`, `beside` and `_KEYED` of a wire record in one call (`fused_rows`), or None:
# set with `_STATE`
_FUSED: Callable[[dict], Any] | None = None

# reads a clean page whole in C (`ocpi.fast_pages`), or None: set with `_STATE`
_FAST: Callable[[bytes], dict[str, Any] | None] | None = None

# says (True, else None) whether a page's parsed objects fit the strict types, on which
# the wire reader finds nothing (`fast_pages.strict_fit`), or None: set with `_STATE`
_STRICT: Callable[[list, bytes, bool, Any], bool | None] | None = None

# the key of an object of such a page (`accept.clean_key`), or None: set with `_STATE`
_KEY: Callable[[dict], tuple] | None = None

# the keys of a page's envelope the transport reads (`transport._unwrap`), beside `data`
_ENVELOPE = ("status_code", "status_message", "timestamp")

# a `--limit` sample of at most this many records is read in one process: starting
# workers would cost more than they save (docs/plan-and-run.md, the crossover)
SMALL_SAMPLE = 5_000


def small_sample(limit: int | None) -> bool:
    return limit is not None and limit <= SMALL_SAMPLE


def available() -> bool:
    """Whether this platform can fork worker processes."""
    return "fork" in multiprocessing.get_all_start_methods()


class PagePool:
    def __init__(self, workers: int, version: str, module: str, record: Callable[[dict], Any],
                 counts: Any, beside: Callable[[dict, dict], Any] | None = None,
                 fast: Callable[[bytes], dict | None] | None = None,
                 order: Callable[[dict], bytes] | None = None,
                 strict: Callable[[list, bytes, bool, Any], bool | None] | None = None,
                 command: str = "run",
                 render: Callable[[dict], tuple[str, int] | None] | None = None,
                 keyed: Callable[[dict], tuple[bytes, tuple[str, int] | None]] | None = None,
                 fused: Callable[[dict], Any] | None = None, party: str | None = None) -> None:
        """`party`: the CPO party an object sent without one is read as (`schema.own_party`).
        `command`: `run` or `get` (what a worker that dies says is left of the output).
        `fast`: reads a clean page whole, or returns None (`ocpi.fast_pages`, `get`).
        `order`: the rows' sort key (`value_key.ascending_key`), computed beside each row;
        such rows come back pickled, for the sort only (`value_key.KeyBeside`).
        `strict`: whether a page's objects fit the strict types (`fast_pages.strict_fit`):
        the objects of one that does are not walked by the wire reader, which finds
        nothing, nor judged (the types hold their key and required fields): only keyed.
        `render`: with `order`, a row's output line and the columns it fills
        (`DatasetOutput.rendered_beside`), sent instead of the row; a row it returns
        None for is pickled. `keyed`: `order` and `render` of a row in one call
        (`DatasetOutput.keyed_beside`), used in their place where given. `fused`: `record`,
        `beside` and `keyed` of a wire record in one call (`fused_rows`), used on the pages
        that fit, where given with `keyed`."""
        install(version, module, record, counts, beside, fast, order, strict, render, keyed,
                fused, party)
        context = multiprocessing.get_context("fork")
        # a stop signal (Ctrl-C, SIGTERM, the deadline's SIGALRM) arriving during a fork
        # would raise inside an at-fork callback, where Python ignores the exception and
        # the run goes on: they wait until the workers are started, then arrive again
        with deferred_signals() as deferred:
            self._pool = _started(workers, context, command)
        self._command = command
        self._broken = False
        self._processes = list(getattr(self._pool, "_processes", {}).values())
        if deferred.received:
            self._pool.shutdown(wait=True, cancel_futures=True)
            for number in deferred.received:
                signal.raise_signal(number)

    def prepare(self, content: bytes, stamps_before: datetime | None = None) -> dict[str, Any] | None:
        """`stamps_before`: a locations page's window end (`objects.raise_location_stamp`).
        The answer is awaited a moment at a time, each worker's life checked between: a
        worker killed while it wrote an answer leaves the pool waiting for its rest
        forever, never saying it is broken (`worker_failures.unstick`)."""
        return self._answer(self._submitted(prepare_page, content, stamps_before))

    def later(self, function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        """`function(*args)` started in a worker now; the call returned waits for its
        answer, as `prepare` waits (the workers are idle once the pages are read: the
        risk figures are computed there while the parent writes, `row_stream`)."""
        future = self._submitted(function, *args, lost=WORK_LOST)
        return lambda: self._answer(future, WORK_LOST)

    def _submitted(self, function: Callable[..., Any], *args: Any, lost: str = PAGES_LOST) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self._pool.submit(function, *args)
        except BrokenProcessPool:
            self._broken = True
            raise worker_ended(self._processes, self._command, lost) from None

    def _answer(self, future: Any, lost: str = PAGES_LOST) -> Any:
        from concurrent.futures import wait
        from concurrent.futures.process import BrokenProcessPool

        try:
            while not wait((future,), timeout=_LIFE_CHECK_SECONDS).done:
                if dead := [one for one in self._processes if one.exitcode is not None]:
                    self._broken = True
                    ended = worker_ended(dead, self._command, lost)  # before the others are killed
                    unstick(self._pool, self._processes)
                    raise ended
            return future.result()
        except BrokenProcessPool:
            self._broken = True
            raise worker_ended(self._processes, self._command, lost) from None

    def close(self) -> None:
        if self._broken:  # its manager thread has ended, or is stuck (`stuck()`)
            unstick(self._pool, self._processes)
        self._pool.shutdown(wait=not stuck(), cancel_futures=True)
        uninstall()


def install(version: str, module: str, record: Callable[[dict], Any], counts: Any,
            beside: Callable[[dict, dict], Any] | None = None,
            fast: Callable[[bytes], dict | None] | None = None,
            order: Callable[[dict], bytes] | None = None,
            strict: Callable[[list, bytes, bool, Any], bool | None] | None = None,
            render: Callable[[dict], tuple[str, int] | None] | None = None,
            keyed: Callable[[dict], tuple[bytes, tuple[str, int] | None]] | None = None,
            fused: Callable[[dict], Any] | None = None, party: str | None = None) -> None:
    """What `prepare_page` reads (`PagePool`'s arguments), in this process: before the
    fork, or for the pages read here (`pages_here`)."""
    global _STATE, _FAST, _STRICT, _KEYED, _KEY, _FUSED
    check = ObjectCheck(version, module, None, party)
    clean = clean_judge(check) if check.reader is not None else None
    _KEY = clean_key(check) if strict is not None and clean is not None else None
    _STATE = (check, record, counts if counts is not None else _ItemCounts(), beside, clean,
              order, render if order is not None else None)
    _FAST, _STRICT = fast, strict
    _KEYED = keyed if order is not None and render is not None else None
    _FUSED = fused if _KEYED is not None else None


def uninstall() -> None:
    global _STATE, _FAST, _STRICT, _KEYED, _KEY, _FUSED
    _STATE = _FAST = _STRICT = _KEYED = _KEY = _FUSED = None


# how long an answer is awaited before the workers' lives are checked again
_LIFE_CHECK_SECONDS = 0.5


class _ItemCounts:
    """What `_item` counts of one record, where no pipeline counts (`get`: a release
    line per record; `execute.pipeline.Counts` would load the whole pipeline)."""

    __slots__ = ("excluded_private", "filtered", "invalid", "join_misses")

    def __init__(self) -> None:
        self.excluded_private = self.filtered = 0
        self.invalid: dict[str, int] = {}
        self.join_misses: dict[str, int] = {}


def _started(workers: int, context: Any, command: str = "run") -> Any:
    """The pool with its workers forked now, before the crawl's threads. When one cannot
    be forked (too many open files, a limit of processes, no memory), those that were
    are ended here: no manager thread would ever tell them to, and the command hung
    forever at exit, joining them."""
    # loaded here, not for a command without workers (`get --limit`, one core)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _STATE
    pool = None
    fork_imports.settle()
    try:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=quiet_worker,
                                   initargs=(os.getpid(),))
        list(pool.map(_ready, range(workers)))
        return pool
    except (OSError, BrokenProcessPool) as exc:
        _STATE = None
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.kill()
                process.join()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if isinstance(exc, BrokenProcessPool):
            raise worker_ended(processes, command) from None
        raise workers_not_started(exc, workers) from None


def prepared_rows(items: Iterable[Any], counts: Any, one: Callable[[dict], Any],
                  keys: KeyBeside | None = None) -> Iterator[dict]:
    """The rows of prepared objects, counted as `Pipeline.rows` counts them. The
    objects of a page the parent decoded itself come as records: `one` (the pipeline,
    counting) takes them here. `keys` gets the sort key a worker computed beside a row
    just before the row is handed on."""
    for item in items:
        if item.__class__ is not tuple:
            if (row := one(item)) is not None:
                yield row
            continue
        counts.read += 1
        row, excluded, filtered, invalid, misses = item[4][:5]
        if misses:  # a join that found nothing still lets its record through
            counts.join_misses.update(misses)
        if row is not None:
            if keys is not None and (key := item[4][6]) is not None:
                keys.row, keys.key = row, key
            yield row
            continue
        counts.excluded_private += excluded
        counts.filtered += filtered
        if invalid:
            counts.invalid.update(invalid)


def _ready(_: int) -> bool:
    return True


def prepare_page(content: bytes, stamps_before: datetime | None = None) -> dict[str, Any] | None:
    """A page body as a worker reads it (what `install` set), or None: the parent decodes it."""
    assert _STATE is not None
    if _FAST is not None and (body := _FAST(content)) is not None:
        return body
    try:
        body = orjson.loads(content)
    except ValueError:
        return None
    parsed, flagged = body, _STATE[0].module in FLAGGED_MODULES
    if flagged:
        body = settle(content, body)
    if body.__class__ is not dict or body.get("data").__class__ is not list:
        return None
    # only what the transport reads goes back: a platform's other key, or one of these
    # nested a thousand deep, would not pickle (the parent then reads the body itself)
    envelope = {name: body[name] for name in _ENVELOPE if name in body}
    if any(value.__class__ is dict or value.__class__ is list for value in envelope.values()):
        return None
    loose = loose_timestamps(content)  # the transport's test
    fits = not loose and _STRICT is not None and _STRICT(body["data"], content, loose, body) is True
    if not fits and not flagged:    # a page that fits gave each site key once (`_Fits.objects`)
        body = settle(content, body, False)
    if body is not parsed and holds_marks(body):
        return None     # an object refused (`repeated_keys`): the parent reads the body itself
    _, record, counts, beside, _, order, render = _STATE
    if fits and render is not None and _KEY is not None and _KEYED is not None and \
            (whole := fitting_row_page(body["data"], _KEY, record, counts, beside,
                                       _KEYED, _FUSED)) is not None:
        envelope["data"] = whole    # as `row_page` makes it of the items below, in one pass
        return envelope
    _RAISED.clear()
    items = [_item(obj, loose, stamps_before, fits) for obj in body["data"]]
    # a page of clean objects whose rows come rendered and keyed goes back in columns,
    # which the parent takes whole (`ocpi.row_pages`)
    whole = row_page(items, beside is not None) if fits and render is not None else None
    envelope["data"] = whole if whole is not None else _prepared(items)
    return envelope


# whether `_item` raised a location's stamp on the page being read (`_prepared` says so)
_RAISED: list[bool] = []


def _prepared(items: list) -> Prepared:
    page = Prepared(items)
    if _RAISED:
        page.stamps_raised = True
        _RAISED.clear()
    return page


def _item(obj: Any, loose: bool, stamps_before: datetime | None = None,
          fits: bool = False) -> tuple:
    """`fits`: the page fits the strict types, so the reader would find nothing."""
    assert _STATE is not None
    check, record, counts, beside, clean, order, render = _STATE
    if obj.__class__ is not dict:
        return ("not a JSON object", None, invalid_print(obj), None, None)
    if fits and _KEY is not None:   # the strict types hold its key and required fields
        findings, problem, key = NOTHING, None, _KEY(obj)
    elif (findings := check.reader(obj) if check.reader is not None and not fits else NOTHING) \
            is NOTHING and clean is not None:
        problem, key = clean(obj)  # as `accept` judges a clean object, inline
    else:
        problem = check.judge(obj, findings)
        key = check.key(obj) if problem is None else None
    noted = None if findings is NOTHING else findings
    if problem is not None:
        return (problem, noted, invalid_print(obj), None, None)
    if check.module == "locations" and raise_location_stamp(obj, stamps_before):
        _RAISED.append(True)    # as the crawl does (`ocpi.crawl_fetch`), which says so
    # the stamp as sent, as the crawl's dedup is handed it in one process (`ocpi.accept`):
    # normalised, `12:00:00.700Z` read as `12:00:00Z`, and a later version in the second of
    # the copy read first was dropped as a repeat of it (a loose page travels as tuples,
    # which every reader of the stamp parses)
    stamp = obj.get("last_updated")
    if loose:
        normalise_timestamps(obj)
    invalid, misses = counts.invalid, counts.join_misses
    counts.excluded_private = counts.filtered = 0
    if invalid:         # nearly always empty: no call, and no copy below
        invalid.clear()
    if misses:
        misses.clear()
    row = record(obj)
    part = beside(obj, row) if beside is not None and row is not None else None
    sort_key = None
    if order is not None and row is not None:
        # the parent only sorts such a row and spills it: it travels rendered, its line
        # written as it is, or pickled, and is unpickled once, when it is written
        # (`KeyBeside.unpacked`)
        if _KEYED is not None:
            sort_key, line = _KEYED(row)
        else:
            sort_key = order(row)
            line = render(row) if render is not None else None
        row = line if line is not None else pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
    outcome = (row, counts.excluded_private, counts.filtered, dict(invalid) if invalid else None,
               dict(misses) if misses else None, part, sort_key)
    return (None, noted, key, stamp, outcome)
