"""Paging checks of one module: `limit`, `offset`, pagination headers, next links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ocpispec.doctor.model import Finding, Status
from ocpispec.doctor.probes import SECOND_LIMIT, ModuleProbe, Page, link_problems
from ocpispec.numerals import natural
from ocpispec.ocpi.crawl_pages import offset_in_pages
from ocpispec.ocpi.links import assess

Key = Callable[[Any], tuple[str, ...]]


def limit_findings(probe: ModuleProbe, sample_size: int, key: Key) -> list[Finding]:
    sample, second = probe.pages.get("sample"), probe.pages.get("second")
    if sample is None or second is None:
        return []
    if probe.limit_refused is not None:
        return [Finding(probe.module, "limit", Status.HANDLED, f"refuses limit={probe.limit_refused} as a bad "
                        f"parameter instead of capping the page; without `limit` it sent {len(sample.objects)}",
                        "ocpispec asks again without `limit` and reads pages at the size the platform chooses")]
    keys = [key(o) for o in sample.objects]
    asked = [(p.limit, len(p.objects), placement(p, keys, key) == "overlap")
             for p in (sample, second) if p.limit is not None]
    # a page that starts with the previous page's last object is reported by `offset_findings`
    over = [(limit, got) for limit, got, repeats in asked if got > limit + repeats]
    if over:
        limit, got = over[-1]
        return [Finding(probe.module, "limit", Status.HANDLED, f"ignores `limit`: limit={limit} returned {got} objects",
                        "ocpispec takes pages as they come, pages on by the size it got and stops at its own `--limit`")]
    observed = f"limit={SECOND_LIMIT} returned {len(second.objects)}"
    if sample.x_limit is not None and sample.x_limit == sample.limit and len(sample.objects) < sample.x_limit \
            and sample.total is not None and sample.total > len(sample.objects):
        return [Finding(probe.module, "limit", Status.HANDLED,
                        f"`X-Limit` echoes the requested limit ({sample.x_limit}) although the page holds "
                        f"{len(sample.objects)} objects",
                        "ocpispec counts the objects it got, not `X-Limit`, and asks again for the rest of a "
                        "short page, so nothing is skipped")]
    remaining = sample.total - 1 if sample.total is not None else None
    if len(second.objects) < SECOND_LIMIT and remaining is not None and remaining > len(second.objects):
        return [Finding(probe.module, "limit", Status.HANDLED, f"{observed} although more objects exist",
                        "ocpispec asks again for the rest of a short page")]
    if sample.total is not None and len(sample.objects) < min(sample_size, sample.total):
        cap = f" (`X-Limit` {sample.x_limit})" if sample.x_limit is not None else ""
        return [Finding(probe.module, "limit", Status.OK,
                        f"{observed}; pages capped at {len(sample.objects)} objects{cap}",
                        "ocpispec asks again for the rest of a short page")]
    return [Finding(probe.module, "limit", Status.OK, observed)]


def end_findings(probe: ModuleProbe) -> list[Finding]:
    if not probe.past_end_refused:
        return []
    return [Finding(probe.module, "end of list", Status.HANDLED, "an `offset` past the end of the list is "
                    "refused as a bad parameter (HTTP 400 or OCPI 2001) instead of answered with an empty page",
                    "ocpispec reads such an answer as the end of the list")]


def offset_findings(probe: ModuleProbe, key: Key) -> list[Finding]:
    sample = probe.pages.get("sample")
    later = [p for name in ("second", "third") if (p := probe.pages.get(name)) is not None]
    if sample is None or not later:
        return []
    keys = [key(o) for o in sample.objects]
    places = [p for p in (placement(page, keys, key) for page in later) if p != "unknown"]
    module = probe.module
    if counts_pages(probe):
        return [Finding(module, "offset", Status.HANDLED, "counts `offset` in pages, not objects: the first next "
                        f"link asks for `offset={_link_offset(sample)}` after a page of {len(sample.objects)}",
                        "ocpispec reads its pages by their next links, and the list ends at a page without one")]
    if shrunk(probe) is not None and "shifted" not in places:
        return [Finding(module, "offset", Status.SKIPPED, "not judged: the list changed between the requests "
                        "(see `total count`)")]
    if not places:
        return [Finding(module, "offset", Status.SKIPPED, "too few objects to test `offset`")]
    if all(p == "shifted" for p in places):
        return [Finding(module, "offset", Status.OK, "offset=1 starts at the 2nd object of offset=0")]
    if "overlap" in places:
        return [Finding(module, "offset", Status.HANDLED, "pages repeat the last object of the page before",
                        "ocpispec drops repeated objects by key")]
    if all(p == "start" for p in places):
        if sample.link is not None and "offset" not in dict(parse_qsl(urlsplit(sample.link).query)):
            return [Finding(module, "offset", Status.HANDLED, "ignores `offset`: pages by a cursor of its "
                            "own in its next links", "ocpispec follows the next links one page after "
                            "another, and the list ends at a page without one")]
        caps = [cap for cap in (sample.limit, sample.x_limit) if cap]
        short = sample.link is None and bool(caps) and len(sample.objects) < min(caps)
        if (sample.total is not None and sample.total <= len(sample.objects)) or short:
            return [Finding(module, "offset", Status.HANDLED, "ignores `offset`: every page is the first page",
                            "the whole list fits on one page, so nothing is missed")]
        return [Finding(module, "offset", Status.BLOCKING, "ignores `offset`: every page is the first page",
                        "ocpispec cannot page past the first page: it sees the repeats and reports the "
                        "export as incomplete; ask the CPO to honour `offset`")]
    return [Finding(module, "offset", Status.WARNING, "`offset` does not select the expected objects "
                    "(the order may change between requests)",
                    "ocpispec drops repeats by key, but objects can be missed when the order changes mid-crawl")]


def placement(page: Page, sample_keys: list[tuple[str, ...]], key: Key) -> str:
    """Where `page` sits in the sample: shifted (at its offset), start, overlap (one
    before its offset), elsewhere, or unknown (nothing to compare). An object that
    could not be read (bad bytes, nested too deep) matches any position."""
    k = page.offset
    m = min(len(page.objects), len(sample_keys) - k, SECOND_LIMIT)
    got = {key(o) for o in page.objects[:m] if isinstance(o, dict)}
    if k < 1 or m <= 0 or not got:
        return "unknown"
    if _within(got, sample_keys[k:k + m]):
        return "shifted"
    one_more = page.limit is not None and len(page.objects) == page.limit + 1
    if one_more and _within(got, sample_keys[k - 1:k - 1 + m]):
        return "overlap"
    if _within(got, sample_keys[:m]):
        return "start"
    return "elsewhere"


def _within(got: set[tuple[str, ...]], expected: list[tuple[str, ...]]) -> bool:
    """`got` are the keys at `expected`'s places; an unreadable sample object (key `#`) matches any."""
    wildcards = sum(1 for k in expected if k[:1] == ("#",))
    return len(got - set(expected)) <= wildcards


def nesting_findings(probe: ModuleProbe) -> list[Finding]:
    nested = next((page.nested for page in probe.pages.values() if page.nested is not None), None)
    if nested is None:
        return []
    return [Finding(probe.module, "list nesting", Status.HANDLED, f"pages nest the list as `data.{nested}` "
                    "instead of `data`", "ocpispec reads the list there")]


def header_findings(probe: ModuleProbe) -> list[Finding]:
    sample = probe.pages.get("sample")
    if sample is None:
        return []
    module = probe.module
    if sample.total is None and sample.x_limit is None and sample.link is None:
        return [Finding(module, "pagination headers", Status.HANDLED, "no `X-Total-Count`, `X-Limit` or `Link`",
                        "ocpispec pages by offset, one page at a time, until an empty page")]
    missing = [name for name, value in (("X-Total-Count", sample.total), ("X-Limit", sample.x_limit))
               if value is None]
    if "X-Total-Count" in missing:
        return [Finding(module, "pagination headers", Status.HANDLED, "no `X-Total-Count`",
                        "ocpispec pages one page at a time (no concurrent requests), by link or offset")]
    shown = f"`X-Total-Count` {sample.total}" + (f", `X-Limit` {sample.x_limit}" if sample.x_limit is not None
                                                 else ", no `X-Limit`")
    return [Finding(module, "pagination headers", Status.OK, shown)]


def link_findings(probe: ModuleProbe) -> list[Finding]:
    sample = probe.pages.get("sample")
    if sample is None:
        return []
    module = probe.module
    more = sample.total is not None and sample.total > len(sample.objects)
    pages = [p for name in ("sample", "second") if (p := probe.pages.get(name)) is not None and p.link]
    if sample.link is None and sample.link_href:
        return [Finding(module, "next link", Status.HANDLED, "the next link is no URL that can be read "
                        "(a malformed host or port)", "ocpispec pages by offset from the endpoint URL")]
    if not pages:
        if more:
            return [Finding(module, "next link", Status.HANDLED, "no `Link` although more objects exist",
                            "ocpispec pages by offset")]
        return _empty_on_last(probe)
    findings = [f for page in pages if (f := _judge(probe, page)) is not None]
    if findings:
        return findings[:1]
    if empty := _empty_on_last(probe):
        return empty
    relative = any(not urlsplit(p.link_href or "").scheme for p in pages)
    return [Finding(module, "next link", Status.OK, "usable: same scheme, host, port and path, filters kept"
                    + (" (relative, resolved against the request)" if relative else ""), "ocpispec follows it")]


def _empty_on_last(probe: ModuleProbe) -> list[Finding]:
    """The last page should carry no `Link` at all; an empty one is read as the end."""
    sample = probe.pages.get("sample")
    if sample is None or sample.link_header is None or sample.link_header.strip() or sample.link is not None:
        return []
    return [Finding(probe.module, "next link", Status.HANDLED, "the last page carries an empty `Link` header "
                    "(OCPI: no `Link` on the last page)", "ocpispec reads it as the end of the list")]


def _judge(probe: ModuleProbe, page: Page) -> Finding | None:
    assert page.link is not None
    problems = link_problems(page.link, probe.endpoint, page.filters)
    if problems:
        followed = assess(page.link_href or page.link, page.url, probe.endpoint, page.filters).verdict == "ok"
        observed = f"the next link has {', '.join(problems)}"
        if followed:
            return Finding(probe.module, "next link", Status.WARNING, observed, "ocpispec follows it as sent")
        action = "ocpispec does not follow it: it asks the endpoint for the next page by offset, with its own filters"
        cursor = assess(page.link_href or page.link, page.url, probe.endpoint, page.filters,
                        cursor_without_filters=True)
        if cursor.verdict == "ok" and cursor.offset is None:
            action = ("ocpispec asks the endpoint for the next page by offset, with its own filters; where the "
                      "platform ignores `offset`, it follows the links as sent and leaves out the objects outside "
                      "the window")
        if problems[0].startswith("another scheme"):
            action += "; the token is never sent to another host"
        return Finding(probe.module, "next link", Status.HANDLED, observed, action)
    offset = _natural(dict(parse_qsl(urlsplit(page.link).query)).get("offset"))
    if offset is not None and offset <= page.offset:
        return Finding(probe.module, "next link", Status.HANDLED, "the next link points back to an earlier page",
                       "ocpispec notices the repeat and pages by offset")
    return None


def _natural(value: str | None) -> int | None:
    return natural(value)


def count_findings(probe: ModuleProbe) -> list[Finding]:
    """`X-Total-Count` of one pinned window, compared across the module's requests."""
    sample, recount = probe.pages.get("sample"), probe.pages.get("recount")
    findings: list[Finding] = []
    if (change := shrunk(probe)) is not None:
        findings.append(Finding(probe.module, "total count", Status.HANDLED,
                                f"`X-Total-Count` shrank from {change[0]} to {change[1]} between pages of the "
                                "same window: objects were updated while the list was read",
                                "ocpispec fetches the shifted objects again; the updated ones come in the "
                                "next run"))
    if (past := counted_past_end(probe)) is not None:
        findings.append(Finding(probe.module, "total count", Status.HANDLED,
                                f"`X-Total-Count` counts objects updated after the window's end too ({past:,} "
                                "of them while doctor read: a busy platform whose count leaves `date_to` out)",
                                "a run reads the objects updated since the window's end once more and proves "
                                "the window whole by them (OCX571 only where they do not make up the count)"))
        return findings
    if sample is not None and recount is not None and sample.total is not None and recount.total is not None \
            and recount.total > sample.total:
        findings.append(Finding(probe.module, "total count", Status.WARNING,
                                f"`X-Total-Count` of the same window grew from {sample.total} to {recount.total} "
                                "between the first and the last request: objects arrived late, with a "
                                "`last_updated` inside a window already read",
                                "an incremental run would miss them: run with `--lookback` (e.g. `--lookback 1h`) "
                                "to read the end of the previous window again"))
    if recount is not None and recount.total is not None and recount.offset < recount.total \
            and not recount.objects and not counts_pages(probe) \
            and (sample is None or len(sample.objects) < recount.total):   # else the offset means a page
        findings.append(Finding(probe.module, "total count", Status.BLOCKING,
                                f"`X-Total-Count` says {recount.total:,} objects, but the list holds none from "
                                f"offset {recount.offset:,} on: the count includes objects the platform does not "
                                "list (deleted ones, or other parties')",
                                "every run would fail as incomplete (OCX571: fewer objects arrive than the count "
                                "says); ask the CPO to count only the objects its list holds"))
    return findings


def counted_past_end(probe: ModuleProbe) -> int | None:
    """How many objects updated after the window's end the list holds, where the count
    leaves `date_to` out (a second in 1971 is counted above 0) and they make up what the
    window's count is above the list (it ends before offset `recount.offset`, or
    held the sample's count when the count grew): None where they do not, or none lie there."""
    sample, recount, past = probe.pages.get("sample"), probe.pages.get("recount"), probe.pages.get("past_end")
    empty = probe.pages.get("empty_second")
    if sample is None or recount is None or past is None or recount.total is None or not past.objects:
        return None
    if empty is None or empty.objects or not empty.total:
        return None     # the count keeps to `date_to` (a second in 1971 counted as empty): late arrivals
    held = recount.offset if not recount.objects else sample.total
    if held is None or recount.total - len(past.objects) > held:
        return None
    return len(past.objects)


def counts_pages(probe: ModuleProbe) -> bool:
    """Whether the sample's next link counts `offset` in pages (`offset_in_pages`)."""
    sample = probe.pages.get("sample")
    return sample is not None and offset_in_pages(sample.offset, sample.limit, len(sample.objects),
                                                  _link_offset(sample))


def _link_offset(page: Page) -> int | None:
    return natural(dict(parse_qsl(urlsplit(page.link).query)).get("offset")) if page.link else None


def shrunk(probe: ModuleProbe) -> tuple[int, int] | None:
    """(first, smaller) when `X-Total-Count` fell between the sample and a later page."""
    sample = probe.pages.get("sample")
    if sample is None or sample.total is None:
        return None
    later = [p.total for name in ("second", "third") if (p := probe.pages.get(name)) is not None
             and p.total is not None and p.filters == sample.filters]
    smaller = [t for t in later if t < sample.total]
    return (sample.total, min(smaller)) if smaller else None
