"""The disclosure log as a user reads it: `ocpispec history` lists runs (text, JSON,
CSV); `--register` groups what was disclosed per consumer (Markdown, HTML), the records
a register of processing activities (GDPR Art. 30) needs. Spec texts (consumer,
purpose, column names) are untrusted: escaped in Markdown and HTML."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ocpispec.text import count

# outcomes that published files (`pending`: a commit past its commit point, not finished)
DISCLOSED = ("committed", "sample", "incomplete", "pending")
CSV_FIELDS = ("recorded_at", "run_at", "export", "outcome", "code", "user", "host",
              "spec_path", "spec_sha256", "plan_fingerprint", "privacy_fingerprint",
              "approval", "consumer", "dataset", "window_start", "window_end", "read",
              "outside_window", "duplicates_dropped", "excluded_private", "filtered",
              "invalid", "written", "groups", "groups_suppressed", "join_misses", "outputs")


# ---- the list of runs ---------------------------------------------------------------------


def history_text(runs: list[dict[str, Any]], where: str) -> str:
    if not runs:
        return f"No runs logged in {where}.\n"
    lines = [f"{count(len(runs), 'run')} logged in {where}:"]
    for run in runs:
        lines += ["", *_run_lines(run)]
    return "\n".join(lines) + "\n"


def _run_lines(run: dict[str, Any]) -> Iterator[str]:
    code = f" {run['code']}" if run["code"] else ""
    sample = f" (--limit {run['sample_limit']})" if run["sample_limit"] is not None else ""
    if run.get("source") == "demo":
        sample += " on the built-in demo CPO (synthetic data, nothing disclosed)"
    yield (f"{run['recorded_at']}  {run['export']}  {run['outcome']}{code}{sample}  "
           f"by {run['user']}@{run['host']}")
    if run["outcome"] == "pending":
        yield ("  stopped after its commit point (killed, or the ledger could not be "
               "written): its files are published (or are, by the run that finishes it); "
               "the next run of the export, or an `ocpispec state` command, finishes the "
               "commit and logs it")
    as_of = f", as of {run['run_at']}" if run["run_at"] else ""
    yield f"  spec {run['spec_path']} (sha256 {_short(run['spec_sha256'])}), plan " \
          f"{_short(run['plan_fingerprint'])}{as_of}"
    if run["privacy_fingerprint"] or run["approval"]:
        yield f"  privacy {_short(run['privacy_fingerprint'])}, approval " \
              f"{run['approval'] or 'none'}"
    for item in run["datasets"]:
        yield f"  {item['dataset']} ({item['module']}): window {item['window_start'] or '-'} " \
              f"to {item['window_end'] or '-'}"
        yield f"    {_counts_text(item['counts'])}"
        if (risk := _risk_text(item["counts"].get("risk"))) is not None:
            yield f"    risk: {risk}"
    for output in run["outputs"]:
        yield f"  {output['kind']} {output['path']} ({output['size']:,} bytes, sha256 " \
              f"{_short(output['sha256'])})"


def _counts_text(counts: dict[str, Any]) -> str:
    parts = [f"read {counts['read']:,}", f"outside window {counts['outside_window']:,}",
             f"duplicates {counts['duplicates_dropped']:,}",
             f"excluded {counts['excluded_private']:,}", f"filtered {counts['filtered']:,}",
             f"invalid {sum(counts['invalid'].values()):,}"]
    parts += [f"written {counts['written']:,}"]
    if counts["groups"] or counts["groups_suppressed"]:
        parts += [f"groups {counts['groups']:,}",
                  f"suppressed {counts['groups_suppressed']:,}"]
        if counts.get("groups_dominated"):
            parts.append(f"dominated {counts['groups_dominated']:,}")
        if counts.get("groups_secondary"):
            parts.append(f"secondary {counts['groups_secondary']:,}")
    if counts["join_misses"]:
        parts.append(f"join misses {sum(counts['join_misses'].values()):,}")
    text = ", ".join(parts)
    if counts["invalid"]:
        text += " (invalid: " + ", ".join(f"{reason} {number:,}" for reason, number
                                           in counts["invalid"].items()) + ")"
    return text


def _risk_text(risk: dict[str, Any] | None) -> str | None:
    """The measured risk in one line (ocpispec/disclosure), when it was measured."""
    from ocpispec.disclosure.words import headline

    text = headline(risk)
    enforced = (risk or {}).get("k_anonymity")
    if text is not None and enforced:
        text += (f"; k {enforced['k']}: {enforced['suppressed_rows']:,} rows suppressed "
                 f"({enforced['suppression_rate_percent']:g}%)")
    return text


def _short(value: str | None) -> str:
    return value[:12] if value else "-"


def history_json(runs: list[dict[str, Any]]) -> str:
    return json.dumps(runs, indent=2, ensure_ascii=False) + "\n"


def history_csv(runs: list[dict[str, Any]]) -> str:
    """One row per dataset of a run (a run without datasets, e.g. a failed one: one row)."""
    from ocpispec.render.values import inert_text  # the render package loads jinja2

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for run in runs:
        common = {key: run[key] for key in CSV_FIELDS if key in run and key != "outputs"}
        for item in run["datasets"] or [None]:
            row = {**common, **_csv_dataset(run, item)}
            # the officer opens it in Excel: a consumer or path from a spec that Excel
            # would run (`=HYPERLINK(...)`) gets the `'` every CSV output gives it
            writer.writerow({key: inert_text(value) if isinstance(value, str) else value
                             for key, value in row.items()})
    return buffer.getvalue()


def _csv_dataset(run: dict[str, Any], item: dict[str, Any] | None) -> dict[str, Any]:
    if item is None:
        return {}
    counts = item["counts"]
    return {"dataset": item["dataset"], "window_start": item["window_start"],
            "window_end": item["window_end"],
            **{key: counts[key] for key in ("read", "outside_window", "duplicates_dropped",
                                           "excluded_private", "filtered", "written",
                                           "groups", "groups_suppressed")},
            "invalid": sum(counts["invalid"].values()),
            "join_misses": sum(counts["join_misses"].values()),
            "outputs": ";".join(o["path"] for o in run["outputs"]
                                if o["dataset"] == item["dataset"] and o["kind"] == "output")}


# ---- the register -------------------------------------------------------------------------


@dataclass(slots=True)
class Disclosure:
    """What one consumer received under one export and purpose."""

    consumer: str
    export: str
    purpose: str | None
    legal_basis: str | None
    legal_reference: str | None
    retention: str | None
    first: str = ""
    last: str = ""
    deliveries: int = 0
    rows: int = 0
    data_from: str = ""
    data_to: str = ""
    # (module, column, class in OCPI, treatment, class as released): every form a column
    # left in, so a card uid released raw in one delivery and pseudonymised in the next
    # is two rows, not the last one only
    categories: set[tuple[str, str, str, str, str]] = field(default_factory=set)


def disclosures(runs: list[dict[str, Any]]) -> dict[str, list[Disclosure]]:
    """Per consumer (sorted), what each export disclosed: only runs that published, and
    not from the built-in demo CPO, whose synthetic data is nobody's."""
    found: dict[tuple, Disclosure] = {}
    for run in runs:
        if run["outcome"] not in DISCLOSED or run.get("source") == "demo":
            continue
        key = (run["consumer"] or "(no consumer named)", run["export"], run["purpose"],
               run["legal_basis"], run["legal_reference"], run["retention"])
        item = found.setdefault(key, Disclosure(*key))
        item.first = min(item.first or run["recorded_at"], run["recorded_at"])
        item.last = max(item.last, run["recorded_at"])
        item.deliveries += 1
        for dataset in run["datasets"]:
            item.rows += dataset["counts"]["written"]
            _period(item, dataset["window_start"], dataset["window_end"])
            for column in dataset["columns"]:
                item.categories.add((dataset["module"], column["name"],
                                     column.get("source_class") or "-", column["treatment"],
                                     _released(column)))
    grouped: dict[str, list[Disclosure]] = {}
    for item in found.values():
        grouped.setdefault(item.consumer, []).append(item)
    return {name: sorted(grouped[name], key=lambda d: d.export) for name in sorted(grouped)}


def _released(column: dict[str, Any]) -> str:
    """The class as released, as a register states it: never public for a pseudonym."""
    from ocpispec.language.functions import stated_class

    # runs logged before the log stated it themselves hold `public` for a pseudonym
    return stated_class(column["treatment"], column["class"])


def _period(item: Disclosure, start: str | None, end: str | None) -> None:
    if start:
        item.data_from = min(item.data_from or start, start)
    if end:
        item.data_to = max(item.data_to, end)


def _dates(item: Disclosure) -> str:
    period = f"; data from {item.data_from or '-'} to {item.data_to or '-'}" \
        if item.data_from or item.data_to else ""
    return (f"{item.first} to {item.last}, {count(item.deliveries, 'delivery', 'deliveries')}, "
            f"{count(item.rows, 'row', grouped=True)}{period}")


def _basis(item: Disclosure) -> str:
    if item.legal_basis and item.legal_reference:
        return f"{item.legal_basis} ({item.legal_reference})"
    return item.legal_basis or "not stated"


def register_markdown(runs: list[dict[str, Any]], where: str) -> str:
    grouped = disclosures(runs)
    lines = ["# Register of disclosures", "",
             f"From the disclosure log {_md(where)}: what each consumer received "
             "(GDPR Art. 30 (1)(c)-(f)). Counts are rows released; no value is listed.", ""]
    if not grouped:
        lines += ["No disclosure logged.", ""]
    for consumer, items in grouped.items():
        lines += [f"## {_md(consumer)}", ""]
        for item in items:
            lines += [f"### Export {_md(item.export)}", "",
                      f"- **Purpose:** {_md(item.purpose or 'not stated')}",
                      f"- **Legal basis:** {_md(_basis(item))}",
                      f"- **Retention:** {_md(item.retention or 'not stated')}",
                      f"- **Disclosed:** {_dates(item)}", "",
                      "| Module | Column | Class in OCPI | Treatment | Released as |",
                      "| --- | --- | --- | --- | --- |"]
            for category in sorted(item.categories):
                cells = " | ".join(_md(text) for text in category)
                lines.append(f"| {cells} |")
            lines.append("")
    return "\n".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_~\[\]|#])")


def _md(text: str) -> str:
    """Untrusted text inline in Markdown: no markup, no HTML, no table break; a hidden
    or lookalike character as its code point (`_visible`)."""
    flat = " ".join(_visible(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def _visible(text: object) -> str:
    """A spec's text as the officer reads it: two consumers `Gemeente Utrecht` and
    `Gemeente Utr<U+200B>echt` are two sections of the register that read the same without
    the code point (`render/values.spec_text_shown`)."""
    from ocpispec.render.values import spec_text_shown

    return spec_text_shown(str(text))


def _escaped(text: object) -> str:
    return html.escape(_visible(text))


def register_html(runs: list[dict[str, Any]], where: str) -> str:
    grouped = disclosures(runs)
    e = _escaped
    body = ["<h1>Register of disclosures</h1>",
            f"<p>From the disclosure log <code>{e(where)}</code>: what each consumer received "
            "(GDPR Art. 30 (1)(c)-(f)). Counts are rows released; no value is listed.</p>"]
    if not grouped:
        body.append("<p>No disclosure logged.</p>")
    for consumer, items in grouped.items():
        body.append(f"<section><h2>{e(consumer)}</h2>")
        for item in items:
            body += [f"<h3>Export <code>{e(item.export)}</code></h3>", "<dl>",
                     f"<dt>Purpose</dt><dd>{e(item.purpose or 'not stated')}</dd>",
                     f"<dt>Legal basis</dt><dd>{e(_basis(item))}</dd>",
                     f"<dt>Retention</dt><dd>{e(item.retention or 'not stated')}</dd>",
                     f"<dt>Disclosed</dt><dd>{e(_dates(item))}</dd>", "</dl>",
                     "<table><thead><tr>" + "".join(
                         f"<th scope=\"col\">{name}</th>" for name in (
                             "Module", "Column", "Class in OCPI", "Treatment", "Released as"))
                     + "</tr></thead><tbody>"]
            for category in sorted(item.categories):
                body.append("<tr>" + "".join(f"<td>{e(text)}</td>" for text in category)
                            + "</tr>")
            body.append("</tbody></table>")
        body.append("</section>")
    return _PAGE.format(body="\n".join(body))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Register of disclosures</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; color: #1d2430; }}
h1, h2, h3 {{ line-height: 1.2; }}
h2 {{ border-bottom: 2px solid #2d6a4f; padding-bottom: .2em; margin-top: 2em; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }}
dt {{ font-weight: 600; }}
dd {{ margin: 0; }}
table {{ border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }}
th, td {{ border: 1px solid #c8ccd4; padding: .3em .6em; text-align: left; vertical-align: top; }}
th {{ background: #eef1f5; }}
@media print {{ body {{ margin: 0; max-width: none; }} section {{ break-inside: avoid-page; }} }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
