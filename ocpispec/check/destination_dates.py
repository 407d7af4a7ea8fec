"""A run's date in a destination written as another tool writes it: `%Y-%m-%d`
(strftime, logrotate), `${run.date}` or `$(date +%F)` (a shell), `{{ run.date }}`
(Jinja), `YYYY-MM-DD` (a file-naming convention). A destination fills only
its `{...}` placeholders, so these stayed in the file name as written: every run of a
daily export wrote `charging-%Y-%m-%d.csv` again, replacing the file before it."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import Span

PLACEHOLDERS = ("run.date", "run.time", "run.timestamp", "export", "dataset",
                "window.start", "window.end")

_STRFTIME = re.compile(r"%[A-Za-z](?:[-_:.T ]?%[A-Za-z])*")
_SHELL_DATE = re.compile(r"\$\(\s*date\b[^)]*\)|`\s*date\b[^`]*`")
_SHELL_VAR = re.compile(r"\$\{\s*([A-Za-z_][\w.]*)\s*\}|\$([A-Za-z_][\w.]*)")
_JINJA = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_WORDS = re.compile(r"(?i)(?<![a-z])(?:yyyy|yy)[-_.]?mm(?:[-_.]?dd)?"
                    r"(?:[-_T]?hh(?:[-_:.]?(?:mm|mi)(?:[-_:.]?ss)?)?)?(?![a-z])"
                    r"|(?<![a-z])dd[-_.]mm[-_.]yyyy(?![a-z])")

_DATE_PARTS = set("YymdFjbBaAeDuVGgUW")
_TIME_PARTS = set("HIMSTRplk")
# a placeholder's name in other words: `{today}`, `{now}`, `${DATE}`
_SYNONYMS = {**dict.fromkeys(("date", "today", "day", "rundate", "run_date", "current_date",
                              "yyyy-mm-dd", "ymd"), "run.date"),
             **dict.fromkeys(("time", "runtime", "run_time", "hhmmss"), "run.time"),
             **dict.fromkeys(("now", "timestamp", "datetime", "ts", "run_timestamp",
                              "date_time", "run.datetime"), "run.timestamp"),
             **dict.fromkeys(("name", "export_name", "export.name", "spec"), "export"),
             **dict.fromkeys(("dataset_name", "dataset.name", "module", "table"), "dataset"),
             **dict.fromkeys(("start", "from", "window_start", "date_from"), "window.start"),
             **dict.fromkeys(("end", "to", "window_end", "date_to"), "window.end")}


def foreign_date(text: str, span: Span, source: str) -> Diagnostic | None:
    """The diagnostic for the first date or placeholder of another tool's syntax in
    the destination `text` (whose quoted source is at `span`), with the placeholder
    to write over it; None when there is none."""
    found = _first(text)
    if found is None:
        return None
    written, placeholder, tool = found
    if written in ("$HOME", "${HOME}") and text.startswith(written):
        return error("OCX407", f"the destination writes `{written}` as a shell does",
                     caret(written, span, source), "not expanded",
                     notes=["a destination expands no environment variable; a leading `~` "
                            "is the home directory"],
                     help="write `~`")
    if not placeholder:  # `$HOME`, `${EXPORT_DIR}`: no placeholder stands for it
        return error("OCX407", f"the destination writes the variable `{written}` as a "
                     "shell does", caret(written, span, source), "not expanded",
                     notes=["a destination expands no environment variable: the path "
                            f"would hold `{written}` as written"],
                     help="write the folder itself, as a path relative to where the run "
                          "starts or from the root (`/srv/exports/...`)")
    fixed = f"{{{placeholder}}}"
    return error("OCX407", f"the destination writes `{written}` as {tool} does",
                 caret(written, span, source),
                 "left in the file name as written",
                 notes=["a destination fills only its placeholders "
                        + ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
                        + f": anything else stays in the name, so every run would write "
                          f"`{text}` (and a later run stop rather than replace the "
                          "file of an earlier window)"],
                 help=f"write `{fixed}`")


def _first(text: str) -> tuple[str, str, str] | None:
    """(the text as written, the placeholder it means, the tool whose syntax it is) of
    the earliest foreign form in `text`."""
    found: list[tuple[int, str, str, str]] = []
    for match in _SHELL_DATE.finditer(text):
        found.append((match.start(), match.group(), _of_strftime(match.group()), "a shell"))
    for match in _STRFTIME.finditer(text):
        if not any(start <= match.start() < start + len(w) for start, w, _, _ in found):
            found.append((match.start(), match.group(), _of_strftime(match.group()),
                          "`strftime`"))
    for match in _SHELL_VAR.finditer(text):
        if match.group(1) is not None:
            meant, written = _meant(match.group(1)), match.group()
        else:  # `$DATE.csv`: the variable's name ends before the extension
            meant, written = _unbraced(match.group(2))
        if meant is not None:
            found.append((match.start(), written, meant, "a shell"))
        elif match.group(1) is not None or match.group(2).split(".")[0].isupper():
            variable = match.group() if match.group(1) else "$" + match.group(2).split(".")[0]
            found.append((match.start(), variable, "", "a shell"))
    for match in _JINJA.finditer(text):
        meant = _meant(match.group(1))
        found.append((match.start(), match.group(), meant or "run.date", "Jinja"))
    for match in _WORDS.finditer(text):
        found.append((match.start(), match.group(), _of_words(match.group()),
                      "a naming convention"))
    if not found:
        return None
    _, written, placeholder, tool = min(found, key=lambda item: item[0])
    return written, placeholder, tool


def meant_placeholder(name: str) -> str | None:
    """The placeholder an unknown one (`today`, `DATE`, `now`) stands for."""
    return _meant(name)


def caret(written: str, span: Span, source: str) -> Span:
    """The span of `written` inside the quoted destination at `span` (all of it when
    the source spells it otherwise, with escapes)."""
    at = source[span.start:span.end].find(written)
    return Span(span.start + at, span.start + at + len(written)) if at >= 0 else span


def _meant(name: str) -> str | None:
    word = name.strip().lower()
    if word in PLACEHOLDERS:
        return word
    return _SYNONYMS.get(word)


def _unbraced(name: str) -> tuple[str | None, str]:
    """The placeholder meant by `$name` and the `$...` it is written as, trying the
    longest dotted prefix first (`$run.date.csv`, `$DATE.csv`)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        meant = _meant(".".join(parts[:end]))
        if meant is not None:
            return meant, "$" + ".".join(parts[:end])
    return None, ""


def _of_strftime(written: str) -> str:
    parts = set(re.findall(r"%([A-Za-z])", written))
    if "s" in parts or (parts & _DATE_PARTS and parts & _TIME_PARTS):
        return "run.timestamp"
    if parts & _TIME_PARTS:
        return "run.time"
    return "run.date"


def _of_words(written: str) -> str:
    return "run.timestamp" if "h" in written.lower() else "run.date"
