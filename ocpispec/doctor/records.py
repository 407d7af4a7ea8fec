"""Record deviations in a sample page, judged exactly as a run judges them.

Every sampled object goes through the client's own object check (`ocpi.objects.
ObjectCheck` with a fresh `FetchStats`), which reads each known field against its
catalogue type (`schema.wire_check`) and the known deviations (`schema.deviations`).
So doctor and `run` agree on what is unusable (`invalid objects`), which values are
read as null (`value types`), what is read tolerantly (`deviations`) and which fields
are unknown (`unknown fields`). The check fixes objects in place, so it works on a
copy: the other checks see the objects as the platform sent them. Only field paths
and reasons are reported, never values.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ocpispec.doctor.model import Finding, Status, clip
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.ocpi.stats import FetchStats


@dataclass(frozen=True, slots=True)
class Deviations:
    objects: int = 0
    invalid: Counter[str] = field(default_factory=Counter)        # reason -> objects left out
    nulled: Counter[str] = field(default_factory=Counter)         # "path (reason)" -> values read as null
    tolerated: Counter[str] = field(default_factory=Counter)      # deviation read tolerantly -> objects
    unknown: Counter[str] = field(default_factory=Counter)        # path -> usable objects carrying it


def sample_deviations(version: str, module: str, objects: list[Any], party: str | None = None) -> Deviations:
    """The sample through the run's own record check, counted as a run counts it."""
    stats = FetchStats()
    check = ObjectCheck(version, module, stats, party)
    invalid: Counter[str] = Counter()
    for obj in copy.deepcopy(objects):
        problem = check.problem(obj)
        if problem is not None:
            invalid[problem] += 1
    prefix = f"{module}."
    return Deviations(len(objects), invalid,
                      Counter({k.removeprefix(prefix): n for k, n in stats.invalid_fields.items()}),
                      Counter({k.removeprefix(prefix): n for k, n in stats.deviations.items()}),
                      Counter(stats.unknown_fields.get(module, {})))


def deviation_findings(module: str, version: str, found: Deviations) -> list[Finding]:
    if not found.objects:
        return []
    findings: list[Finding] = []
    if found.invalid:
        total = sum(found.invalid.values())
        reasons = _listed(found.invalid)
        if total >= found.objects:
            findings.append(Finding(module, "invalid objects", Status.BLOCKING,
                                    f"every sampled object is unusable: {reasons}",
                                    "ocpispec leaves unusable objects out, so an export would be empty"))
        else:
            findings.append(Finding(module, "invalid objects", Status.HANDLED,
                                    f"{total} of {found.objects} sampled objects {'is' if total == 1 else 'are'} "
                                    f"unusable: {reasons}",
                                    "ocpispec leaves them out and counts them by reason; a run fails unless "
                                    "`--allow-invalid` accepts them"))
    if found.nulled:
        findings.append(Finding(module, "value types", Status.WARNING,
                                f"values of the wrong JSON type or size: {_listed(found.nulled)}",
                                "ocpispec reads such a value as null, so it can never leak into a column, and "
                                "counts it under `invalid fields`; a spec that uses these fields gets nulls"))
    if found.tolerated:
        findings.append(Finding(module, "deviations", Status.HANDLED,
                                f"read tolerantly: {_listed(found.tolerated)}",
                                "ocpispec reads them as OCPI says and counts them under `deviations` "
                                "in the run summary"))
    if found.unknown:
        from ocpispec.schema.records import split_unusual

        named, unusual = split_unusual(found.unknown)
        listed = "; ".join(filter(None, (
            _listed(Counter(named)), unusual and f"{unusual} with names no OCPI version defines (not shown)")))
        findings.append(Finding(module, "unknown fields", Status.HANDLED,
                                f"fields OCPI {version} does not define: {listed}",
                                "never exported (nothing leaves unless a spec names it); `get` withholds them"))
    if not findings:
        findings.append(Finding(module, "records", Status.OK,
                                f"{found.objects} sampled objects match the OCPI {version} schema"))
    return findings


def _listed(counts: Counter[str], most: int = 6) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{_name(name)} ({n})" for name, n in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _name(name: str) -> str:
    """A bare path in backticks; a description (paths and words) as it is."""
    return clip(name, 100) if " " in name or name.startswith("<") else f"`{clip(name)}`"
