"""Requests of one answer, beside the crawls of whole lists: a window's size and the
platform's page cap (from a one-object probe), a window's first objects as sent, and one
object by its id. Each asks again once after a stored endpoint turns out stale
(`stale_endpoints`). A part of `OcpiClient` (`client.py`), which gives them the
transport and `_endpoint`, a module's URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from ocpispec.numerals import natural
from ocpispec.ocpi import errors
from ocpispec.ocpi.body_shown import json_kind
from ocpispec.ocpi.crawl import bad_parameter, receiver_only_tokens
from ocpispec.ocpi.crawl_epoch import FLOOR, before_epoch
from ocpispec.ocpi.errors import OcpiError, fail
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.ocpi.stale_endpoints import StaleEndpoints
from ocpispec.ocpi.stats import FetchStats, Warnings
from ocpispec.ocpi.transport import Transport
from ocpispec.timestamps import ASKED_FLOOR, format_timestamp, utc_now


class SingleRequests(StaleEndpoints):
    """`OcpiClient`'s requests of one answer."""

    _transport: Transport
    _warnings: Warnings
    stats: FetchStats
    version: str
    sole_party: str | None

    def count(self, module: str, *, date_from: datetime | None = None,
              date_to: datetime | None = None) -> int | None:
        """`X-Total-Count` of the window, from a one-object probe (None if not sent)."""
        return self.list_size(module, date_from=date_from, date_to=date_to)[0]

    def list_size(self, module: str, *, date_from: datetime | None = None,
                  date_to: datetime | None = None) -> tuple[int | None, int | None]:
        """`X-Total-Count` of the window and the platform's page cap (`X-Limit`), from a
        one-object probe; None for a header not sent (or an `X-Limit` of 1, the probe's
        own limit echoed)."""
        self._stored_lists(module)
        return self._stale_checked(module, lambda: self._count(module, _filters(module, date_from, date_to)))

    def _count(self, module: str, filters: dict[str, str]) -> tuple[int | None, int | None]:
        """From the epoch where the platform refuses the second before it, as a crawl does
        (`crawl_epoch`)."""
        endpoint = self._endpoint(module)
        query = "&".join(f"{k}={quote(v)}" for k, v in {**filters, "offset": "0", "limit": "1"}.items())
        try:
            answer = self._transport.get(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", routing=True)
        except OcpiError as problem:
            if problem.http_status == 404 and module == "tokens" and self.version == "2.1.1":
                raise receiver_only_tokens(endpoint) from None
            if before_epoch(filters.get("date_from")) and bad_parameter(problem):
                return self._count(module, {**filters, "date_from": FLOOR})
            raise
        headers = answer.headers if answer is not None else {}
        cap = _header_count(headers.get("x-limit"))
        return _header_count(headers.get("x-total-count")), cap if cap is not None and cap > 1 else None

    def first_objects(self, module: str, *, date_from: datetime | None = None,
                      date_to: datetime | None = None, limit: int = 10) -> list[Any] | None:
        """The objects of a window's first page as the platform sent them (one request of
        up to `limit` objects), unchecked; None when the answer holds no list."""
        self._stored_lists(module)
        return self._stale_checked(module, lambda: self._first_objects(
            module, _filters(module, date_from, date_to), limit))

    def _first_objects(self, module: str, filters: dict[str, str], limit: int) -> list[Any] | None:
        endpoint = self._endpoint(module)
        query = "&".join(f"{k}={quote(v)}" for k, v in {**filters, "offset": "0", "limit": str(limit)}.items())
        try:
            answer = self._transport.get(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", routing=True)
        except OcpiError as problem:
            if before_epoch(filters.get("date_from")) and bad_parameter(problem):
                return self._first_objects(module, {**filters, "date_from": FLOOR}, limit)
            if limit > 1 and bad_parameter(problem):  # a `limit` above the page cap refused
                return self._first_objects(module, filters, 1)
            raise
        data = answer.data if answer is not None else None
        return data if data.__class__ is list else [data] if data.__class__ is dict else None

    def get_object(self, module: str, object_id: str) -> dict[str, Any] | None:
        """One object, e.g. `GET {locations}/{id}`; None when the platform does not know it."""
        self._stored_lists(module)
        return self._stale_checked(module, lambda: self._get_object(module, object_id))

    def _get_object(self, module: str, object_id: str) -> dict[str, Any] | None:
        endpoint = self._endpoint(module)
        path, _, query = endpoint.partition("?")
        errors.note_object_endpoint(path)
        url = f"{path.rstrip('/')}/{quote(object_id, safe='')}" + (f"?{query}" if query else "")
        answer = self._transport.get(url, routing=True, missing_ok=True)
        data = answer.data if answer is not None else None
        if data.__class__ is list:
            data = self._listed_object(module, url, data)
        if data is None:
            return None
        if not isinstance(data, dict):
            raise _no_object(module, url, data)
        check = ObjectCheck(self.version, module, self.stats, self.sole_party)
        if (problem := check.problem(data)) is not None:
            self.stats.note_invalid(problem)
            return None
        if _folded(data[check.primary]) != _folded(object_id):
            # a platform routing the path by a key of its own (a database number), or
            # ignoring it: another site's object, which a run joined and, being public,
            # took for the asked site, releasing the sessions of a home charger with it
            raise fail(errors.INVALID_RESPONSE, f"the platform answered a request for one of its {module} "
                       "with another object than the one its id names",
                       notes=[f"request: GET {errors.safe_url(url)}",
                              f"the answer's `{check.primary}` differs from the id asked for"],
                       help=f"the platform's `GET {{{module}}}/{{id}}` does not find objects by their OCPI "
                            "id: ask the CPO to fix it; a run without `--limit` reads the whole list instead")
        return data

    def _listed_object(self, module: str, url: str, data: list[Any]) -> Any:
        """One object's answer sent as a list, as a list page is (a platform finding the
        object with its list query): a list of one is that object, an empty one names no
        object. Read as no object, a public site's sessions were left out as at a site the
        platform does not list (every session of a `--limit` sample)."""
        if len(data) > 1:
            raise fail(errors.INVALID_RESPONSE, f"the platform answered a request for one of its {module} "
                       f"with a list of {len(data):,} objects",
                       notes=[f"request: GET {errors.safe_url(url)}"],
                       help=f"the platform's `GET {{{module}}}/{{id}}` does not answer the one object its id "
                            "names: ask the CPO to fix it; a run without `--limit` reads the whole list instead")
        self._warnings.add(f"the platform answers a request for one of its {module} (`GET {{{module}}}/{{id}}`) "
                           "with a list of that object; read as the object", kind="object-listed")
        return data[0] if data else None


def _no_object(module: str, url: str, data: Any) -> OcpiError:
    """One object's answer whose `data` is text, a number or a boolean: read as an object
    the platform does not know, a public site's sessions were left out as at a site it
    does not list (every session of a `--limit` sample), and the run exited 0."""
    kind = json_kind(data)
    return fail(errors.INVALID_RESPONSE, f"the platform answered a request for one of its {module} "
                f"with {kind} where the object belongs",
                notes=[f"request: GET {errors.safe_url(url)}",
                       f"OCPI status 1000 with `data` that is {kind} (not shown), neither the object nor "
                       "an answer that it is unknown (HTTP 404, OCPI 2003)"],
                help=f"ask the CPO to fix its `GET {{{module}}}/{{id}}`; a run without `--limit` reads "
                     "the whole list instead")


def _filters(module: str, date_from: datetime | None, date_to: datetime | None) -> dict[str, str]:
    filters: dict[str, str] = {}
    if date_from is None and module == "sessions":    # OCPI requires it
        date_from = ASKED_FLOOR
    if date_from is not None:
        filters["date_from"] = format_timestamp(date_from)
    filters["date_to"] = format_timestamp(date_to if date_to is not None else utc_now())
    return filters


def _header_count(value: str | None) -> int | None:
    return natural(value)


def _folded(value: Any) -> str:
    """An id as objects are told apart (`ids.key_text`, the one definition)."""
    from ocpispec.ids import key_text

    return key_text(value)
