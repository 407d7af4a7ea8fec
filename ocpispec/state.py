"""Run state: the `since last run` watermark of each dataset of an export.

One small JSON file per export (default `.ocpispec/state/<export>.json` under the
current directory). It holds, per dataset, the `date_to` of the last committed run,
which becomes the next run's `date_from` (OCPI windows are `[date_from, date_to)`, so
consecutive runs neither overlap nor leave gaps). It is written atomically and only
after every output of the run was committed; it contains no personal values and no
secrets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ocpispec.executor.atomic import write_atomically

STATE_FORMAT = 1
FIRST_WATERMARK = "2000-01-01T00:00:00Z"


class StateError(Exception):
    """The state file exists but cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class DatasetState:
    watermark: str
    plan_fingerprint: str
    committed_at: str


@dataclass(frozen=True, slots=True)
class State:
    export: str
    serial: int = 0
    datasets: Mapping[str, DatasetState] = field(default_factory=lambda: MappingProxyType({}))

    def watermark(self, dataset: str) -> str | None:
        found = self.datasets.get(dataset)
        return found.watermark if found else None

    def advanced(self, updates: Mapping[str, DatasetState]) -> State:
        merged = {**self.datasets, **updates}
        return State(self.export, self.serial + 1, MappingProxyType(merged))


def default_state_path(export: str, directory: Path | None = None) -> Path:
    return (directory or Path(".")) / ".ocpispec" / "state" / f"{export}.json"


def load_state(path: Path, export: str) -> State:
    """The state at `path`, or an empty state when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return State(export)
    except OSError as exc:
        raise StateError(f"cannot read state file: {exc.strerror}") from None
    try:
        return _parse(json.loads(text), export)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StateError("state file is not valid ocpispec state") from None


def _parse(data: dict, export: str) -> State:
    if data.get("format_version") != STATE_FORMAT:
        raise ValueError("unknown state format")
    if data["export"] != export:
        raise StateError(f"state file belongs to export `{data['export']}`, not `{export}`")
    datasets = {name: DatasetState(str(item["watermark"]), str(item["plan_fingerprint"]),
                                   str(item["committed_at"]))
                for name, item in data["datasets"].items()}
    return State(export, int(data["serial"]), MappingProxyType(datasets))


def save_state(path: Path, state: State) -> None:
    data = {
        "format_version": STATE_FORMAT,
        "export": state.export,
        "serial": state.serial,
        "datasets": {name: {"watermark": item.watermark,
                            "plan_fingerprint": item.plan_fingerprint,
                            "committed_at": item.committed_at}
                     for name, item in sorted(state.datasets.items())},
    }
    write_atomically(path, json.dumps(data, indent=2) + "\n")
