"""Diagnostics as SARIF 2.1.0, the format code-scanning views (GitHub, GitLab, Azure
DevOps) read: one run of the tool `ocpispec`, a rule per code that occurs, a result per
diagnostic with its file and region."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ocpispec.diagnostics import Diagnostic
from ocpispec.diagnostics.source import SourceFile

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_document(entries: Sequence[tuple[Diagnostic, SourceFile | None, str | None]]) -> str:
    """The SARIF log of diagnostics from one or more files (`entries` as for JSON)."""
    from ocpispec import __version__

    rules = _rules(sorted({d.code for d, _, _ in entries}))
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    results = [_result(d, source, name, index[d.code]) for d, source, name in entries]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "ocpispec", "version": __version__,
                                         "rules": rules}},
                     "results": results}]}
    return json.dumps(log, indent=2, ensure_ascii=False)


def _rules(found: list[str]) -> list[dict[str, Any]]:
    from ocpispec.diagnostics import codes

    rules = []
    for code in found:
        doc = codes.lookup(code)
        rule: dict[str, Any] = {"id": code}
        if doc is not None:
            rule["name"] = doc.slug
            rule["shortDescription"] = {"text": doc.summary}
            rule["help"] = {"text": f"ocpispec explain {code}"}
        rules.append(rule)
    return rules


def _result(d: Diagnostic, source: SourceFile | None, name: str | None,
            rule_index: int) -> dict[str, Any]:
    message = d.message if d.help is None else f"{d.message} (help: {d.help})"
    result: dict[str, Any] = {"ruleId": d.code, "ruleIndex": rule_index,
                              "level": "error" if d.is_error else "warning",
                              "message": {"text": message}}
    location: dict[str, Any] = {"artifactLocation": {"uri": name}} if name else {}
    span = d.primary_span
    if location and source is not None and span is not None:
        start_line, start_column = source.line_col(span.start)
        end_line, end_column = source.line_col(max(span.end, span.start + 1))
        location["region"] = {"startLine": start_line, "startColumn": start_column,
                              "endLine": end_line, "endColumn": end_column}
    if location:
        result["locations"] = [{"physicalLocation": location}]
    return result
