"""What the explanations of a name that resolves to no field read of a dataset's scope
(`check/scope.py`): its bindings, where each sits in the record, its derived fields and
its spread. `check/unknown_fields.py` and its helpers are typed against `ScopeView`, so
they need not import the scope that calls them."""

from __future__ import annotations

from ocpispec.check.checked import Binding
from ocpispec.frozen import frozen
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from typing import Protocol

    from ocpispec.check.context import Context


@frozen
class Reach:
    """A binding and where its object sits inside the binding module's records."""

    binding: Binding
    base: tuple[str, ...]

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.binding.name.split(".")) if self.binding.name else ()


if TYPE_CHECKING:
    class ScopeView(Protocol):
        """The scope as the explanations read it (`check.scope.Scope` is one)."""

        module: str
        ctx: Context
        reaches: list[Reach]
        # written path -> binding, path in it, field, paths it reads
        derived: dict[tuple[str, ...], tuple[str, tuple[str, ...], object,
                                             tuple[tuple[str, ...], ...]]]
        spread: tuple[tuple[str, ...], str] | None
        clock_zone: str | None

        @property
        def bindings(self) -> tuple[Binding, ...]: ...

        def resolves(self, path: tuple[str, ...]) -> bool: ...
