"""Content checks of one module: timestamp forms, id casing across pages and objects
repeated within one page."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from ocpispec.doctor.model import Finding, Status
from ocpispec.doctor.probes import ModuleProbe
from ocpispec.timestamps import parse_timestamp

_STAMP = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d")
_FORMS = {
    "Z": ("`...:SSZ`", Status.OK, ""),
    "fractional": ("fractional seconds", Status.HANDLED, "ocpispec reads them and writes whole seconds"),
    "offset": ("UTC offsets such as `+01:00`", Status.HANDLED, "ocpispec converts them to UTC"),
    "naive": ("no time zone", Status.HANDLED, "ocpispec reads them as UTC (OCPI 2.2: no zone means UTC)"),
    "other": ("other spellings (a space or `t` for `T`, a lowercase `z`)", Status.HANDLED,
              "ocpispec reads them and writes `YYYY-MM-DDTHH:MM:SSZ`"),
    "unreadable": ("unreadable values", Status.WARNING,
                   "ocpispec leaves an object whose `last_updated` it cannot read out, and counts it"),
}


def timestamp_findings(probe: ModuleProbe) -> list[Finding]:
    sample = probe.pages.get("sample")
    if sample is None or not sample.objects:
        return []
    forms = Counter(timestamp_form(value) for value in _strings(sample.objects) if _STAMP.match(value))
    if not forms:
        return []
    seen = ", ".join(f"{_FORMS[form][0]} ({n})" for form, n in sorted(forms.items(), key=lambda kv: list(_FORMS).index(kv[0])))
    worst = [form for form in _FORMS if form in forms and form != "Z"]
    if not worst:
        return [Finding(probe.module, "timestamps", Status.OK, f"all {seen}")]
    status = max((_FORMS[f][1] for f in worst), key=_rank)
    actions = "; ".join(_FORMS[f][2] for f in worst)
    return [Finding(probe.module, "timestamps", status, seen, actions)]


def timestamp_form(value: str) -> str:
    if parse_timestamp(value) is None:
        return "unreadable"
    if re.search(r"[+-]\d\d:?\d\d$", value):
        return "offset"
    if not value.endswith(("Z", "z")):
        return "naive"
    if "T" not in value.strip() or value.endswith("z"):
        return "other"
    return "fractional" if re.search(r":\d\d[.,]\d+Z$", value) else "Z"


def id_findings(probe: ModuleProbe, fields: tuple[str, ...]) -> list[Finding]:
    spellings: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    pages_with: Counter[tuple[str, ...]] = Counter()
    for page in probe.pages.values():
        on_page: set[tuple[str, ...]] = set()
        for obj in page.objects:
            if isinstance(obj, dict) and all(isinstance(obj.get(f), str) for f in fields):
                exact = tuple(obj[f] for f in fields)
                lowered = tuple(v.lower() for v in exact)
                spellings.setdefault(lowered, set()).add(exact)
                on_page.add(lowered)
        pages_with.update(on_page)
    repeated = sum(1 for n in pages_with.values() if n > 1)
    if not repeated:
        return []
    changed = [forms for forms in spellings.values() if len(forms) > 1]
    if not changed:
        return [Finding(probe.module, "id casing", Status.OK, f"stable: {repeated} ids seen on several pages "
                        "are spelled the same each time")]
    differing = sorted({fields[i] for forms in changed for a in forms for b in forms
                        for i in range(len(fields)) if a[i] != b[i]})
    return [Finding(probe.module, "id casing", Status.HANDLED,
                    f"{', '.join(f'`{f}`' for f in differing)} changes case between pages "
                    f"({len(changed)} {'object' if len(changed) == 1 else 'objects'})",
                    "ocpispec compares ids case-insensitively (OCPI CiString), so repeats are still recognised")]


def repeat_findings(probe: ModuleProbe, key: Callable[[object], tuple[str, ...]]) -> list[Finding]:
    """Objects a single page lists more than once (a platform listing one row per row of a
    join): no shift between pages makes such a repeat. Where `X-Total-Count` counts them,
    every run falls short of it and fails as incomplete (OCX571)."""
    repeated = set()
    for page in probe.pages.values():
        counts = Counter(key(obj) for obj in page.objects)
        repeated |= {k for k, n in counts.items() if n > 1}
    if not repeated:
        return []
    counted = any(page.total is not None for page in probe.pages.values())
    n = len(repeated)
    return [Finding(probe.module, "repeated objects", Status.WARNING if counted else Status.HANDLED,
                    f"{n} {'object' if n == 1 else 'objects'} listed more than once within one page",
                    "ocpispec drops the repeats; where `X-Total-Count` counts them, every run falls short of "
                    "the count and fails as incomplete (OCX571): ask the CPO to list each object once"
                    if counted else "ocpispec drops the repeats")]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _rank(status: Status) -> int:
    return [Status.OK, Status.HANDLED, Status.WARNING].index(status)
