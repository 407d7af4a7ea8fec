"""The header of a spec: export, consumer, purpose, legal basis, retention, keys, and its
source.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Literal as Lit

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language.syntax.leaves import Ident, Text


@frozen
class SecretRef:
    """Where a secret comes from. `literal` is never accepted by the checker."""

    kind: Lit["env", "profile", "literal"]
    value: str
    span: Span


@frozen
class LegalBasis:
    words: tuple[Ident, ...]
    reference: Text | None
    span: Span

    @property
    def phrase(self) -> str:
        return " ".join(word.name for word in self.words)


@frozen
class Retention:
    amount: int
    unit: Ident
    span: Span


@frozen
class Header:
    """`export NAME` and its items. Repeated items are kept so the checker can
    report them; `None` means the item is missing."""

    name: Ident
    consumers: tuple[Text, ...]
    purposes: tuple[Text, ...]
    legal_bases: tuple[LegalBasis, ...]
    retentions: tuple[Retention, ...]
    pseudonym_keys: tuple[SecretRef, ...]
    span: Span
    pseudonym_scopes: tuple[PseudonymScope, ...] = ()
    licences: tuple[Text, ...] = ()  # `licence "CC-BY-4.0"`: for open data
    approval_requirements: tuple[ApprovalRequirement, ...] = ()

    @property
    def consumer(self) -> Text | None:
        return self.consumers[0] if self.consumers else None

    @property
    def purpose(self) -> Text | None:
        return self.purposes[0] if self.purposes else None

    @property
    def legal_basis(self) -> LegalBasis | None:
        return self.legal_bases[0] if self.legal_bases else None

    @property
    def retention(self) -> Retention | None:
        return self.retentions[0] if self.retentions else None

    @property
    def pseudonym_key(self) -> SecretRef | None:
        return self.pseudonym_keys[0] if self.pseudonym_keys else None

    @property
    def pseudonym_scope(self) -> PseudonymScope | None:
        return self.pseudonym_scopes[0] if self.pseudonym_scopes else None

    @property
    def approval_requirement(self) -> ApprovalRequirement | None:
        return self.approval_requirements[0] if self.approval_requirements else None


@frozen
class PseudonymScope:
    """`pseudonym scope export` or `pseudonym scope per month` (checked words)."""

    words: tuple[Ident, ...]
    span: Span

    @property
    def phrase(self) -> str:
        return " ".join(word.name.lower() for word in self.words)


@frozen
class ApprovalRequirement:
    """`requires approval` or `requires signed approval` (checked words)."""

    words: tuple[Ident, ...]
    span: Span

    @property
    def phrase(self) -> str:
        return " ".join(word.name.lower() for word in self.words)


# ---- source ---------------------------------------------------------------------------


@frozen
class Source:
    """`source ocpi <ref> token <ref> party XX-YYY version V` or `source profile NAME`."""

    versions_url: SecretRef | None
    token: SecretRef | None
    party: Ident | None
    version: Ident | None
    profile: Ident | None
    span: Span
