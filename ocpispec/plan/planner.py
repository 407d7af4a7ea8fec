"""The planner: a checked spec becomes a plan (see `ocpispec.plan.ir`).

`plan(checked)` is deterministic and needs no network. Every JMESPath expression of
the plan is compiled here, with the custom functions registered, so a bad expression
fails as an internal diagnostic (OCX900) before any request is made.
"""

from __future__ import annotations

import dataclasses

from ocpispec.plan import ir
from ocpispec.language import pseudonym_scope, schedule, syntax
from ocpispec.approval import requirement as approval_requirement
from ocpispec.check.checked import CheckedSpec
from ocpispec.check.dataset_names import dataset_ids, positional_ids
from ocpispec.diagnostics import CompileError, error
from ocpispec.execute.functions import PLAN_TIME_KEY, custom_functions
from ocpispec.execute.jmes_compile import ExpressionError, compile_expression
from ocpispec.plan.datasets import Options, dataset_plan
from ocpispec.plan.lower import LoweringError
from ocpispec.plan.margins import with_margins
from ocpispec.privacy_summary import privacy_fingerprint
from ocpispec.schema import VERSIONS
from ocpispec.diagnostics.source import Span

__all__ = ["Options", "plan"]


def plan(checked: CheckedSpec, options: Options | None = None) -> ir.Plan:
    """The plan of a checked spec. Raises CompileError (OCX900) on a planner bug."""
    options = dataclasses.replace(options or Options(versions=_versions(checked.spec.source)),
                                  pseudonym_scope=_scope(checked.spec.header.pseudonym_scope))
    try:
        names = dataset_names(checked)
        datasets = with_margins(tuple(
            _with_previous(dataset_plan(d, name, checked.source, options), old)
            for d, name, old in zip(checked.datasets, names, _previous_names(checked))))
    except (LoweringError, ValueError, KeyError) as exc:
        raise CompileError([_internal(f"cannot plan this spec: {exc}", checked.spec.span)])
    header = checked.spec.header
    result = ir.Plan(
        spec=checked.source.name, export=_export(header, checked.spec.schedule),
        pseudonym_key=_reference(header.pseudonym_key), source=_source(checked.spec.source),
        datasets=datasets)
    _compile_all(result)
    result = ir.with_fingerprint(result)
    return dataclasses.replace(result, privacy_fingerprint=privacy_fingerprint(result))


def dataset_names(checked: CheckedSpec) -> list[str]:
    """A dataset is named with `as` or after its module; a second dataset of the same
    module gets `-2`, and so on (`ocpispec.check.dataset_names`). The state keys watermarks
    by these names."""
    return dataset_ids([d.dataset for d in checked.datasets])


def _previous_names(checked: CheckedSpec) -> list[str | None]:
    """The module-based id of each named dataset (where its state was kept before it
    had a name), None for datasets without a name or named as their id."""
    positional = positional_ids([d.module for d in checked.datasets])
    names = dataset_names(checked)
    return [old if old != new else None for old, new in zip(positional, names)]


def _with_previous(dataset: ir.Dataset, previous: str | None) -> ir.Dataset:
    return dataclasses.replace(dataset, previous_name=previous) if previous else dataset


def _versions(source: syntax.Source) -> tuple[str, ...]:
    pinned = source.version.name if source.version else None
    return (pinned,) if pinned in VERSIONS else VERSIONS


def _export(header: syntax.Header, rule: syntax.Schedule | None) -> ir.Export:
    basis = header.legal_basis
    retention = header.retention
    return ir.Export(
        name=header.name.name,
        consumer=header.consumer.value if header.consumer else None,
        purpose=header.purpose.value if header.purpose else None,
        legal_basis=basis.phrase if basis else None,
        legal_reference=basis.reference.value if basis and basis.reference else None,
        retention=f"{retention.amount} {retention.unit.name}" if retention else None,
        schedule=schedule.describe(rule) if rule else None,
        cron=schedule.cron_line(rule) if rule else None,
        pseudonym_scope=_scope(header.pseudonym_scope),
        licence=header.licences[0].value if header.licences else None,
        approval=_approval(header.approval_requirement))


def _scope(scope: syntax.PseudonymScope | None) -> str:
    found = pseudonym_scope.normalise(scope.phrase) if scope is not None else None
    return found or pseudonym_scope.EXPORT


def _approval(requirement: syntax.ApprovalRequirement | None) -> str | None:
    return approval_requirement.normalise(requirement.phrase) if requirement else None


def _reference(ref: syntax.SecretRef | None, *, literal_allowed: bool = False
               ) -> ir.SecretReference | None:
    """`literal_allowed`: the versions URL, which is not a secret (the checker refuses
    one with credentials in it); a literal token or key is refused by the checker, and
    never copied into a plan."""
    if ref is None:
        return None
    hidden = ref.kind == "literal" and not literal_allowed
    return ir.SecretReference(ref.kind, "(redacted)" if hidden else ref.value, ref.span)


def _source(source: syntax.Source) -> ir.SourceSpec:
    return ir.SourceSpec(
        profile=source.profile.name if source.profile else None,
        versions_url=_reference(source.versions_url, literal_allowed=True),
        token=_reference(source.token),
        party=source.party.name if source.party else None,
        version=source.version.name if source.version else None, origin=source.span)


def _compile_all(result: ir.Plan) -> None:
    functions = custom_functions(PLAN_TIME_KEY, result.export.name)
    problems = []
    for dataset in result.datasets:
        for step in dataset.steps:
            for text in ir.step_expressions(step):
                try:
                    compile_expression(text, functions)
                except ExpressionError as exc:
                    problems.append(_internal(f"step `{step.id}` of dataset `{dataset.name}` "
                                              f"has an invalid expression: {exc}", step.origin))
    if problems:
        raise CompileError(problems)


def _internal(message: str, span: Span) -> object:
    return error("OCX900", message, span, "while planning this",
                 help="this is a bug in ocpispec; please report it with the spec")
