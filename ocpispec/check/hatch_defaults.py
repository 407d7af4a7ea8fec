"""The JMESPath call a help writes for a function of the escape hatch used as the
language's (`contains(evse.parking_restrictions, "DISABLED")`): an optional list given
as its first argument gets its default, `|| \\`[]\\``. OCPI may leave such a list out,
and JMESPath's `contains`, `length`, `join`... of null fail the record (the run's
OCX570), so the help without it checked clean and then failed the run."""

from __future__ import annotations

from ocpispec.language import syntax

TYPE_CHECKING = False  # typing costs a cold `check` its import; annotations only need it for mypy
if TYPE_CHECKING:
    from ocpispec.check.scope import Scope
    from ocpispec.diagnostics.source import SourceFile


def with_list_default(call: syntax.Call, scope: Scope, source: SourceFile) -> str | None:
    """The call's text with its first argument defaulted, or None where that argument
    is no optional list the record may lack."""
    first = call.args[0] if call.args else None
    if not isinstance(first, syntax.FieldRef) or not scope.resolves(first.path):
        return None  # an unknown field has its own error
    resolved = scope.resolve(first, synthetic=True)
    if resolved is None or not resolved.field.many or resolved.field.required:
        return None
    text = source.text
    return (text[call.span.start:first.span.start] + f"{first.dotted} || `[]`"
            + text[first.span.end:call.span.end])
