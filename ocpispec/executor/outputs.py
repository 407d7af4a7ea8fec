"""Where a dataset's output goes: destination patterns, `--out`, atomic files and the
sidecar manifest.

Placeholders in a destination (all UTC, safe in file names):
`{export}`, `{dataset}`, `{run.date}` (2026-01-05), `{run.time}` (103000),
`{run.timestamp}` (20260105T103000Z), `{window.start}`, `{window.end}` (20260101T000000Z,
or `all` for an open window). Relative destinations are relative to the current
directory. `--out PATH` replaces the destination of a single-dataset spec; with
several datasets it must be a directory, and each output keeps its own file name.
`--out -` (or `to stdout` in the spec) streams to stdout.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ocpispec import plan as ir
from ocpispec.executor.atomic import AtomicFile, write_atomically
from ocpispec.render import EXTENSIONS

_PLACEHOLDER = re.compile(r"\{([A-Za-z_.]+)\}")


class OutputError(Exception):
    """An output cannot be placed where the spec or `--out` says."""


@dataclass(frozen=True, slots=True)
class Target:
    """A file (`path`) or stdout (`path` None)."""

    path: Path | None

    @property
    def display(self) -> str:
        return "stdout" if self.path is None else str(self.path)


def compact(moment: str | None) -> str:
    """`2026-01-01T00:00:00Z` -> `20260101T000000Z` (no colons: safe on every OS)."""
    return "all" if moment is None else moment.replace("-", "").replace(":", "")


def placeholders(export: str, dataset: str, now: datetime, start: str | None,
                 end: str | None) -> dict[str, str]:
    return {"export": export, "dataset": dataset, "run.date": now.strftime("%Y-%m-%d"),
            "run.time": now.strftime("%H%M%S"), "run.timestamp": now.strftime("%Y%m%dT%H%M%SZ"),
            "window.start": compact(start), "window.end": compact(end)}


def expand(pattern: str, values: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join(f"{{{key}}}" for key in values)
            raise OutputError(f"unknown placeholder `{{{name}}}` in destination `{pattern}`; "
                              f"known: {known}")
        return values[name]

    return _PLACEHOLDER.sub(substitute, pattern)


def resolve_targets(datasets: tuple[ir.Dataset, ...], out: str | None,
                    values: Mapping[str, Mapping[str, str]]) -> dict[str, Target]:
    """The target of every dataset, honouring `--out`."""
    targets = {}
    for dataset in datasets:
        render = dataset.step(ir.Render)
        own = None if render.destination is None else Path(expand(render.destination,
                                                                  values[dataset.name]))
        targets[dataset.name] = _target(dataset, render, own, out, len(datasets))
    files = [t.path for t in targets.values() if t.path is not None]
    if len(set(files)) != len(files):
        raise OutputError("two datasets would write the same file")
    return targets


def _target(dataset: ir.Dataset, render: ir.Render, own: Path | None, out: str | None,
            count: int) -> Target:
    if out is None:
        return Target(own)
    if out == "-":
        if count > 1:
            raise OutputError("`--out -` needs a spec with one dataset")
        return Target(None)
    chosen = Path(out)
    directory = chosen.is_dir() or out.endswith(("/", "\\"))
    if count == 1 and not directory:
        return Target(chosen)
    if not directory:
        raise OutputError(f"`--out {out}` must be a directory (existing, or ending in `/`) "
                          "for a spec with several datasets")
    name = own.name if own is not None else f"{dataset.name}.{EXTENSIONS.get(render.format, 'txt')}"
    return Target(chosen / name)


class HashingFile:
    """An AtomicFile whose content is hashed as it is written (for the manifest)."""

    def __init__(self, path: Path) -> None:
        self.file = AtomicFile(path)
        self.sha256 = hashlib.sha256()

    def write(self, text: str) -> int:
        self.sha256.update(text.encode("utf-8"))
        return self.file.stream.write(text)


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def write_manifest(path: Path, content: Mapping[str, Any]) -> Path:
    target = manifest_path(path)
    write_atomically(target, json.dumps(content, indent=2, ensure_ascii=False) + "\n")
    return target


def stage_manifest(path: Path, content: Mapping[str, Any]) -> AtomicFile:
    """The manifest of the output `path`, finished under a temporary name."""
    target = AtomicFile(manifest_path(path))
    try:
        target.stream.write(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
        target.finish()
    except BaseException:
        target.discard()
        raise
    return target
