"""Starting specs for `ocpispec init`: a commented spec per kind of consumer, safe by
default, with the header lines to fill in marked `FILL IN`. Each checks clean as written
(tests/test_init.py checks every kind)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

from ocpispec.starter.templates import (BODIES, HEADER, MODULES, PURPOSES, SOURCE,
                                        header_block)

KINDS = tuple(BODIES)
CONSUMER = "FILL IN: the organisation that receives this data"


@dataclass(frozen=True, slots=True)
class Answers:
    kind: str
    file_name: str
    consumer: str = CONSUMER
    purpose: str = ""


def kinds_for(module: str) -> tuple[str, ...]:
    """The kinds that start from MODULE (`sessions`, `cdrs`, `locations`)."""
    return tuple(kind for kind in KINDS if MODULES[kind] == module)


def modules() -> tuple[str, ...]:
    return tuple(dict.fromkeys(MODULES.values()))


# letters NFKD does not take apart, and the German way with umlauts (`ae` for `ä`, as
# the OCX002 help for a name says)
_LATIN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "o",
                        "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def export_name(file_name: str) -> str:
    """An export name from the file's stem: `Utrecht sessions.ocx` -> `utrecht_sessions`,
    `Städte.ocx` -> `staedte` (names are ASCII)."""
    import unicodedata

    stem = file_name.rsplit("/", 1)[-1].removesuffix(".ocx").lower().translate(_LATIN)
    ascii_stem = "".join(char for char in unicodedata.normalize("NFKD", stem)
                         if not unicodedata.combining(char))
    name = re.sub(r"[^a-z0-9_]+", "_", ascii_stem).strip("_") or "my_export"
    return name if name[0].isalpha() else f"export_{name}"


def starting_spec(answers: Answers) -> str:
    body, legal_basis, retention, pseudonyms = BODIES[answers.kind]
    export = export_name(answers.file_name)
    text = (HEADER + header_block(legal_basis, retention, pseudonyms) + SOURCE + body)
    return Template(text).substitute(
        kind=answers.kind, file=answers.file_name, export=export,
        consumer=_quoted(answers.consumer or CONSUMER),
        purpose=_quoted(answers.purpose or PURPOSES[answers.kind]),
        key_variable=f"{export.upper()}_PSEUDONYM_KEY")


def _quoted(text: str) -> str:
    """Text for inside a spec string: one line, `\\` and `"` escaped."""
    line = " ".join(text.split())
    return line.replace("\\", "\\\\").replace('"', '\\"')
