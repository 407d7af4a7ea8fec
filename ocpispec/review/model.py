"""The review document as data: what every renderer (HTML, Markdown, JSON) shows.

Built by `build.review` from a checked spec and its plan; holds no record values
except in `Sample`, whose rows come from the demo CPO's synthetic data. Texts taken
from the spec (consumer, purpose, justifications...) are untrusted: the renderers
escape them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HeaderItem:
    """One line of the export's header. `verbatim`: the spec's own words (consumer,
    purpose...), shown exactly as written; otherwise a sentence of the review's whose
    `backticked` names are shown as code."""

    label: str
    value: str
    missing: bool = False
    verbatim: bool = True


@dataclass(frozen=True, slots=True)
class FilterItem:
    """A `where` condition as written (personal values blanked), the non-public
    fields it reads with their classes, and its justification."""

    condition: str
    reads: tuple[tuple[str, str], ...]
    justification: str | None

    @property
    def sensitive(self) -> bool:
        return any(privacy != "public" for _, privacy in self.reads)


@dataclass(frozen=True, slots=True)
class Flow:
    module: str
    module_words: str
    joins: tuple[str, ...]
    window: str
    filters: tuple[FilterItem, ...]
    private_locations: str
    private_locations_justification: str | None
    destination: str
    template_pins: tuple[tuple[str, str], ...] = ()
    rows: tuple[str, ...] = ()  # `each` and `spread` in words
    top: str = ""  # `order by ... limit N` in words: which groups are released
    # (path, text) of each template file: what the consumer's file holds besides the rows
    template_texts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SourceField:
    name: str
    description: str
    privacy: str


@dataclass(frozen=True, slots=True)
class ReleasedColumn:
    name: str
    role: str                     # "column", "group key" or "measure"
    sources: tuple[SourceField, ...]
    transformation: str
    privacy_before: str
    privacy_after: str
    justification: str | None
    # the warnings a `because "..."` on this column would answer, when it has none
    unjustified: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WithheldGroup:
    privacy: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Protection:
    """The aggregate's group floor: groups under `min_group_size` of `counted_in`
    are left out; `headline` says so in one sentence (or that a floor of 1 is none)."""

    min_group_size: int
    stated: bool
    counted_in: str
    text: str
    headline: str = ""


@dataclass(frozen=True, slots=True)
class RiskReview:
    """The measured re-identification risk (ocpispec/disclosure): `status` `measured` or
    `not yet measured`; `headline` one figure, `lines` the rest as (label, text);
    `rule` the k rule in force in words; `command` what measures it; `stale` a caution
    when the figures were measured under another plan or on the demo CPO; `coverage`
    the released quasi-identifiers no k rule covers (all of them without a rule)."""

    status: str
    measured: str | None
    headline: str | None
    lines: tuple[tuple[str, str], ...]
    rule: str | None
    command: str
    stale: str | None = None
    coverage: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetReview:
    name: str
    flow: Flow
    columns: tuple[ReleasedColumn, ...]
    withheld: tuple[WithheldGroup, ...]
    protection: Protection | None
    risk: RiskReview | None = None
    # (class, what it means) for each privacy class the released columns show
    classes: tuple[tuple[str, str], ...] = ()

    @property
    def withheld_count(self) -> int:
        return sum(len(group.fields) for group in self.withheld)


@dataclass(frozen=True, slots=True)
class WarningItem:
    code: str
    message: str
    where: str
    help: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Fingerprints:
    plan: str
    spec_sha256: str
    # what `ocpispec approve` signs off (ocpispec.privacy_summary); None renders nothing
    privacy_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """One approval record beside the spec, as `ocpispec approvals` judges it; `meaning`
    says the state in words. `approved_by` and `note` are the officer's text (untrusted)."""

    state: str
    meaning: str
    approved_by: str
    approved_at: str
    privacy_fingerprint: str
    signature: str
    note: str


@dataclass(frozen=True, slots=True)
class ApprovalChange:
    kind: str   # added, removed, renamed, weakened, strengthened, changed
    text: str   # as `ocpispec diff` says it


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    file: str
    problem: str


@dataclass(frozen=True, slots=True)
class ApprovalReview:
    """Whether runs need an approval, the approvals on record, and, when none holds for
    the spec as it is now, what changed since the newest one (`since` names it)."""

    requirement: str
    records: tuple[ApprovalRecord, ...]
    unreadable: tuple[UnreadableRecord, ...]
    valid: bool
    since: str | None = None
    changes: tuple[ApprovalChange, ...] = ()
    # records exist, but a signature is demanded and none of them verifies: nothing to
    # compare the spec with (a record without one says nothing of what was approved)
    unvouched: bool = False


@dataclass(frozen=True, slots=True)
class SampleTable:
    dataset: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Sample:
    """Rows from the built-in demo CPO's synthetic data, never from a real platform."""

    note: str
    tables: tuple[SampleTable, ...]


@dataclass(frozen=True, slots=True)
class Review:
    spec: str
    export: str
    header: tuple[HeaderItem, ...]
    datasets: tuple[DatasetReview, ...]
    warnings: tuple[WarningItem, ...]
    fingerprints: Fingerprints
    tool_version: str
    sample: Sample | None = None
    approval: ApprovalReview | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["format"] = "ocpispec-review/1"
        for dataset, source in zip(data["datasets"], self.datasets):
            for item, flt in zip(dataset["flow"]["filters"], source.flow.filters):
                item["sensitive"] = flt.sensitive
            if not dataset["flow"]["rows"]:
                del dataset["flow"]["rows"]  # reviews of datasets without each/spread keep their shape
        return data
