"""Run state: the `since last run` watermark of each dataset of an export.

The state lives in the ledger (`ocpispec.ledger`), stored in the JSON form defined here;
earlier versions kept it as one JSON file per export (`.ocpispec/state/<export>.json`),
which `load_state` still reads for the migration. It holds, per dataset, the `date_to`
of the last committed run, which becomes the next run's `date_from` (OCPI windows are
`[date_from, date_to)`, so consecutive runs neither overlap nor leave gaps), the plan
fingerprint and a summary of the plan (column names and treatments, a digest of the filter, the window: no values),
and with a lookback the keyed digests of the records read inside the lookback horizon.
It advances only with the commit of every output of the run (`ocpispec.ledger.store`);
it contains no personal values and no secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.timestamps import CANONICAL, TimestampError, read_timestamp

STATE_FORMAT = 1
FIRST_WATERMARK = "1970-01-01T00:00:00Z"
_DIGEST = re.compile(r"^[0-9a-f]{32}$")


class StateError(Exception):
    """The state file exists but cannot be used; the message says why."""

    newer = False  # written by a newer version of ocpispec: not damaged, not to move aside


class NewerStateError(StateError):
    newer = True


# the help for a ledger or state a newer ocpispec wrote: the usual "repair it or move it
# aside" starts the export over at 1970-01-01, which delivers everything again
UPGRADE_HELP = ("run the export with the version of ocpispec that wrote it, or a newer one "
                "(`pip install -U ocpispec`; `ocpispec --version` names this one); keep the "
                "ledger as it is: moved aside, the next `since last run` window would start "
                "at 1970-01-01 and deliver everything again")


@frozen
class Listed:
    """What the platform listed for a window: the filters asked and its count."""

    date_from: str
    date_to: str
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"date_from": self.date_from, "date_to": self.date_to, "total": self.total}


def listed_from_dict(item: object) -> Listed | None:
    """The stored count, None where there is none or it cannot be read (the check is
    then left out, as for a state written before it)."""
    if not isinstance(item, dict):
        return None
    start, end, total = item.get("date_from"), item.get("date_to"), item.get("total")
    if not (isinstance(start, str) and isinstance(end, str)) or isinstance(total, bool) \
            or not isinstance(total, int) or total < 0:
        return None
    try:
        read_timestamp(start), read_timestamp(end)
    except TimestampError:
        return None
    return Listed(start, end, total)


@frozen
class DatasetState:
    watermark: str
    plan_fingerprint: str
    committed_at: str
    plan_summary: Mapping[str, Any] | None = None
    seen: tuple[str, ...] = ()  # keyed digests of records read within the lookback horizon
    seen_since: str | None = None  # the start of that horizon (None: no lookback ran)
    seen_check: str | None = None  # `lookback.key_check` of the digests' key (None: older state)
    platform: str | None = None  # the host and CPO party the watermark was read from (None: older state)
    # the time the window applied to: `last_updated` or the event time of `window on`
    # (None: older state); the watermark is a moment of that time
    window_on: str | None = None
    # what the platform listed for the window (`execute.late_arrivals`; None: not kept)
    listed: Listed | None = None


@frozen
class State:
    export: str
    serial: int = 0
    datasets: Mapping[str, DatasetState] = field(default_factory=lambda: MappingProxyType({}))

    def watermark(self, dataset: str) -> str | None:
        found = self.datasets.get(dataset)
        return found.watermark if found else None

    def renamed(self, renames: Mapping[str, str]) -> State:
        """The state with each dataset `old` of `renames` kept under its new name (a
        dataset that gained a name with `as`); a new name that has state already wins."""
        moved = {renames.get(name, name) if renames.get(name) not in self.datasets else name:
                 found for name, found in self.datasets.items()}
        if moved.keys() == self.datasets.keys():
            return self
        return State(self.export, self.serial, MappingProxyType(moved))

    def without(self, names: set[str]) -> State:
        """The state with nothing kept for the datasets `names` (as if never run)."""
        if not names & self.datasets.keys():
            return self
        kept = {name: found for name, found in self.datasets.items() if name not in names}
        return State(self.export, self.serial, MappingProxyType(kept))

    def advanced(self, updates: Mapping[str, DatasetState]) -> State:
        merged = {**self.datasets, **updates}
        return State(self.export, self.serial + 1, MappingProxyType(merged))


# the `platform` of a state advanced by `run --demo`: the built-in demo CPO listens on
# 127.0.0.1 as a CPO started with `ocpispec demo-server` does, and a try-out's watermark
# (where the demo's synthetic year ends) must never start a platform's window; no host
# name begins with a hyphen
DEMO_PLATFORM = "--demo"


def platform_shown(platform: str) -> str:
    """A state's `platform` as a user reads it: `host` (CPO PARTY), or the demo CPO."""
    host, _, party = platform.partition(" ")
    if host == DEMO_PLATFORM:
        return "the built-in demo CPO (`--demo`)"
    return f"`{host}`" + (f" (CPO {party})" if party else "")


def default_state_path(export: str, directory: Path | None = None) -> Path:
    return (directory or Path(".")) / ".ocpispec" / "state" / f"{export}.json"


def load_state(path: Path, export: str) -> State:
    """The state at `path`, or an empty state when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return State(export)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "it is not UTF-8 text"
        raise StateError(f"cannot read state file: {reason}") from None
    try:
        return state_from_dict(json.loads(text), export)
    except StateError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StateError("state file is not valid ocpispec state") from None


def state_from_dict(data: dict, export: str) -> State:
    found = data.get("format_version")
    if isinstance(found, int) and not isinstance(found, bool) and found > STATE_FORMAT:
        raise NewerStateError(f"the state of `{export}` was written by a newer version of "
                              f"ocpispec (state format {found}; this version reads "
                              f"{STATE_FORMAT})")
    if found != STATE_FORMAT:
        raise ValueError("unknown state format")
    if data["export"] != export:
        raise StateError(f"state file belongs to export `{data['export']}`, not `{export}`")
    serial = data["serial"]
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise StateError("its `serial` is not a whole number")
    datasets = {str(name): _dataset(str(name), item) for name, item in data["datasets"].items()}
    return State(export, serial, MappingProxyType(datasets))


def _dataset(name: str, item: dict) -> DatasetState:
    for key in ("watermark", "committed_at", "seen_since"):
        if key == "seen_since" and item.get(key) is None:
            continue
        value = item[key]
        try:
            if not isinstance(value, str) or not CANONICAL.match(value):
                raise TimestampError("not canonical")
            read_timestamp(value)
        except TimestampError:
            raise StateError(f"the `{key}` of dataset `{name}` is not a UTC timestamp such "
                             "as 2026-01-01T00:00:00Z") from None
    fingerprint, summary = item["plan_fingerprint"], item.get("plan_summary")
    seen = item.get("seen", [])
    if not isinstance(fingerprint, str):
        raise StateError(f"the `plan_fingerprint` of dataset `{name}` is not text")
    if summary is not None and not isinstance(summary, dict):
        raise StateError(f"the `plan_summary` of dataset `{name}` is not an object")
    if not isinstance(seen, list) or not all(isinstance(d, str) and _DIGEST.match(d) for d in seen):
        raise StateError(f"the `seen` digests of dataset `{name}` are damaged")
    check = item.get("seen_check")
    if check is not None and not (isinstance(check, str) and _DIGEST.match(check)):
        raise StateError(f"the `seen_check` of dataset `{name}` is damaged")
    platform = item.get("platform")
    if platform is not None and not isinstance(platform, str):
        raise StateError(f"the `platform` of dataset `{name}` is not text")
    window_on = item.get("window_on")
    if window_on is not None and not isinstance(window_on, str):
        raise StateError(f"the `window_on` of dataset `{name}` is not text")
    return DatasetState(item["watermark"], fingerprint, item["committed_at"], summary,
                        tuple(seen), item.get("seen_since"), check, platform, window_on,
                        listed_from_dict(item.get("listed")))


def state_to_dict(state: State) -> dict[str, Any]:
    return {
        "format_version": STATE_FORMAT,
        "export": state.export,
        "serial": state.serial,
        "datasets": {name: _dataset_dict(item) for name, item in sorted(state.datasets.items())},
    }


def _dataset_dict(item: DatasetState) -> dict[str, Any]:
    data: dict[str, Any] = {"watermark": item.watermark, "plan_fingerprint": item.plan_fingerprint,
                            "committed_at": item.committed_at}
    if item.plan_summary is not None:
        data["plan_summary"] = dict(item.plan_summary)
    if item.seen_since is not None:
        data["seen"] = sorted(item.seen)
        data["seen_since"] = item.seen_since
        if item.seen_check is not None:
            data["seen_check"] = item.seen_check
    if item.platform is not None:
        data["platform"] = item.platform
    if item.window_on is not None:
        data["window_on"] = item.window_on
    if item.listed is not None:
        data["listed"] = item.listed.to_dict()
    return data


def state_text(state: State) -> str:
    return json.dumps(state_to_dict(state), indent=2) + "\n"


def save_state(path: Path, state: State) -> None:
    from ocpispec.execute.atomic import write_atomically  # not at import: no cycle

    write_atomically(path, state_text(state))
