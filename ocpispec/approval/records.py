"""Approval records: one small TOML file per approval, in a folder beside the spec.

`specs/a.ocx` is approved by files in `specs/a.ocx.approvals/`, each named
`<UTC time>-<first 12 hex of the privacy fingerprint>.toml`, with its SSH signature (if
any) beside it as `<name>.toml.sig`. One file per approval, never edited: two officers
approving on two branches add two files and never conflict, a signature covers exactly
one record, and withdrawing an approval is deleting its file, visible in git history.

A record holds the privacy fingerprint, who approved, when, the note, and the privacy
summary the fingerprint was computed over (no values of personal fields: see
`ocpispec.privacy_summary`), so a later run can say what changed since.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from ocpispec import __version__
from ocpispec.execute.atomic import write_atomically

RECORD_FORMAT = 1
SUFFIX = ".toml"
SIGNATURE_SUFFIX = ".sig"
_REVIEWER = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s@]+)>\s*$")
_HEADER = ("# An approval of an ocpispec export spec by its privacy officer.\n"
           "# Commit it with the spec; `ocpispec approvals SPEC` checks it. The fingerprint\n"
           "# binds it to what the spec discloses (docs/approvals.md); the summary below is\n"
           "# what was approved, so a later run can say what changed since.\n\n")


# texts a record holds are shown on terminals and in run refusals: a control character
# (an escape sequence, a carriage return, a line break) could overwrite or forge what
# `approvals` shows, and a direction control reorder it
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                "\u200e\u200f\u061c")


def unsafe_character(text: str, allowed: str = "") -> str | None:
    """The first character of `text` that would change how a terminal shows it (as
    `U+001B`), or None; `allowed` lists control characters that may stay."""
    for char in text:
        if char in _DIRECTION_CONTROLS or (not char.isprintable() and char not in " " + allowed):
            return f"U+{ord(char):04X}"
    return None


def visible(text: str) -> str:
    """`text` with each character `unsafe_character` names written as `<U+001B>`."""
    return "".join(f"<U+{ord(c):04X}>" if unsafe_character(c) else c for c in text)


def _unsafe_in(value: Any) -> str | None:
    """`unsafe_character` of any text in a value (the summary is shown in what changed)."""
    if isinstance(value, str):  # a spec's texts may hold `\n` and `\t` (OCX016 refuses the rest)
        return unsafe_character(value, allowed="\n\t")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((found for item in items if (found := _unsafe_in(item)) is not None), None)


class RecordError(ValueError):
    """A record file that cannot be read as an approval."""


@dataclass(frozen=True, slots=True)
class Approval:
    path: Path
    spec: str
    export: str
    privacy_fingerprint: str
    approved_by: str
    approved_at: str
    note: str
    summary: dict[str, Any]
    # each remote destination and where its login connected when approved, and each
    # relative local one under the configured output_root
    # (`approval/deliveries.py`); None in a record from before they were pinned
    deliveries: tuple[str, ...] | None = None

    @property
    def signature_path(self) -> Path:
        return self.path.with_name(self.path.name + SIGNATURE_SUFFIX)

    @property
    def signed(self) -> bool:
        return self.signature_path.exists()

    @property
    def principal(self) -> str:
        """The identity a signature must verify as: the reviewer's email."""
        return reviewer_email(self.approved_by) or self.approved_by


def reviewer_email(reviewer: str) -> str | None:
    """The email of `Name <email>`, or None when `reviewer` is not in that form."""
    match = _REVIEWER.match(reviewer)
    return match.group("email") if match and match.group("name") else None


def approvals_dir(spec: Path) -> Path:
    return spec.with_name(spec.name + ".approvals")


def now() -> datetime:
    """The clock of approvals (tests replace it)."""
    return datetime.now(UTC)


def write_record(spec: Path, *, export: str, fingerprint: str, summary: dict[str, Any],
                 approved_by: str, note: str, deliveries: tuple[str, ...] = ()) -> Approval:
    """Write a new record beside `spec` (atomically) and return it."""
    moment = now().replace(microsecond=0)
    folder = approvals_dir(spec)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{moment:%Y%m%dT%H%M%SZ}-{fingerprint[:12]}{SUFFIX}"
    data = {"format": RECORD_FORMAT, "spec": spec.name, "export": export,
            "privacy_fingerprint": fingerprint, "approved_by": approved_by,
            "approved_at": f"{moment:%Y-%m-%dT%H:%M:%SZ}", "note": note,
            "ocpispec_version": __version__, "deliveries": list(deliveries),
            "summary": summary}
    if path.exists():
        raise RecordError(f"`{path.name}` exists already; approve again in a second")
    write_atomically(path, _HEADER + tomli_w.dumps(data))
    return read_record(path)


def read_records(spec: Path) -> tuple[list[Approval], list[tuple[Path, str]]]:
    """The spec's records, oldest first, and the files that are no readable record
    (with the reason)."""
    folder = approvals_dir(spec)
    records, broken = [], []
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        if unsafe_character(path.name) is not None:  # its name is shown: a record never
            broken.append((path, "its file name holds control characters"))  # has one
            continue
        try:
            records.append(read_record(path))
        except RecordError as exc:
            broken.append((path, str(exc)))
    records.sort(key=lambda record: (record.approved_at, record.path.name))
    return records, broken


def read_record(path: Path) -> Approval:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"cannot read it ({type(exc).__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RecordError(f"it is not valid TOML ({exc})") from None
    texts = ("spec", "export", "privacy_fingerprint", "approved_by", "approved_at", "note")
    missing = [key for key in texts if not isinstance(data.get(key), str)]
    if missing or not isinstance(data.get("summary"), dict):
        missing += [] if isinstance(data.get("summary"), dict) else ["summary"]
        raise RecordError(f"it lacks {', '.join(missing)}")
    if not re.fullmatch(r"[0-9a-f]{64}", data["privacy_fingerprint"]):
        raise RecordError("its privacy_fingerprint is not a sha256")
    for key in (*texts, "summary"):
        unsafe = _unsafe_in(data[key]) if key == "summary" else unsafe_character(data[key])
        if unsafe is not None:
            raise RecordError(f"its {key} holds the control character {unsafe}, which would "
                              "change how it is shown")
    deliveries = data.get("deliveries")
    if deliveries is not None and not (isinstance(deliveries, list) and
                                       all(isinstance(item, str) for item in deliveries)):
        raise RecordError("its deliveries are not a list of texts")
    if deliveries is not None and (unsafe := _unsafe_in(deliveries)) is not None:
        raise RecordError(f"its deliveries hold the control character {unsafe}, which would "
                          "change how they are shown")
    return Approval(path, data["spec"], data["export"], data["privacy_fingerprint"],
                    data["approved_by"], data["approved_at"], data["note"], data["summary"],
                    None if deliveries is None else tuple(deliveries))
