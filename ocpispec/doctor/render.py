"""The report as plain text (a table per area) and as JSON."""

from __future__ import annotations

from typing import Any

from ocpispec.doctor.model import Report, Status, timing_summary
from ocpispec.text import count

_STATUS_WIDTH = max(len(s.value) for s in Status)


def render_text(report: Report) -> str:
    lines = [f"ocpispec doctor: {printable(report.platform)}", _headline(report), ""]
    areas = list(dict.fromkeys(f.area for f in report.findings))
    width = max((len(f.check) for f in report.findings), default=0)
    indent = " " * (2 + _STATUS_WIDTH + 2 + width + 2)
    for area in areas:
        endpoint = report.modules.get(area)
        lines.append(printable(area + (f" ({endpoint})" if endpoint else "")))
        for finding in (f for f in report.findings if f.area == area):
            lines.append(f"  {finding.status.value:<{_STATUS_WIDTH}}  {finding.check:<{width}}  "
                         f"{printable(finding.observed)}")
            if finding.action:
                lines.append(f"{indent}-> {printable(finding.action)}")
        lines.append("")
    lines.append(_verdict(report))
    return "\n".join(lines) + "\n"


def printable(text: str) -> str:
    """Platform-supplied names (fields, labels) may hold control characters: never
    let them reach a terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)


def render_json(report: Report) -> dict[str, Any]:
    requests, median, slowest = timing_summary(report.timings)
    return {
        "platform": report.platform,
        "version": report.version,
        "offered_versions": list(report.offered),
        "token_encoding": report.token_encoding,
        "modules": dict(report.modules),
        "findings": [{"area": f.area, "check": f.check, "status": f.status.value, "observed": f.observed,
                      "action": f.action} for f in report.findings],
        "requests": {"count": requests, "median_ms": round(median * 1000, 1), "slowest_ms": round(slowest * 1000, 1),
                     "each": [{"path": t.path, "status": t.status, "ms": round(t.seconds * 1000, 1)}
                              for t in report.timings]},
        "summary": {s.value: report.count(s) for s in Status},
        "exit_code": report.exit_code,
    }


def _headline(report: Report) -> str:
    requests, median, slowest = timing_summary(report.timings)
    version = f"OCPI {report.version}" if report.version else "no OCPI version negotiated"
    token = {"base64": "token sent Base64-encoded", "plain": "token sent raw"}.get(report.token_encoding or "", "")
    timing = f"{count(requests, 'GET request')} (median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms)"
    return ", ".join(part for part in (version, token, timing) if part)


def _verdict(report: Report) -> str:
    blocking, handled = report.count(Status.BLOCKING), report.count(Status.HANDLED)
    warnings = report.count(Status.WARNING)
    tail = f"{count(handled, 'deviation')} ocpispec handles, {count(warnings, 'warning')}"
    if blocking:
        return f"Not ready: {count(blocking, 'finding')} block exports; {tail}."
    return f"Ready to export: nothing blocks; {tail}."
