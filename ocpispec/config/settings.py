"""The settings an `ocpispec.toml` may hold: name, type, environment variable and
built-in default. Values are checked here; where they come from is `resolve`'s business."""

from __future__ import annotations

import math
from pathlib import Path

from ocpispec.frozen import frozen
from ocpispec.approval.requirement import ENV_REQUIRE, from_setting
from ocpispec.secret_refs import is_name
ROOT_VARIABLE = "OCPISPEC_TEMPLATES_ROOT"  # ocpispec.render.confine reads it

PATH, TEXT, WHOLE, RATE, APPROVAL = "path", "text", "whole", "rate", "approval"
APPROVAL_CHOICES = {"no": None, "approval": "approval", "signed": "signed approval"}


class BadValue(ValueError):
    """A value of the wrong type or out of range; the message says what is expected
    (never the value itself)."""


@frozen
class Setting:
    name: str
    kind: str
    env: str
    builtin: object
    builtin_text: str
    meaning: str
    low: int = 0
    high: int = 0

    def expected(self) -> str:
        match self.kind:
            case "whole":
                return f"a whole number from {self.low} to {self.high}"
            case "rate":
                return "a number of requests per second above 0"
            case "approval":
                return '"no", "approval" or "signed" (or true/false)'
            case "path":
                return "a path (a string)"
        return "a string"

    def from_file(self, value: object, base: Path) -> object:
        """A TOML value; relative paths are relative to the file's directory."""
        match self.kind:
            case "text" if isinstance(value, str) and value.strip():
                return value.strip()
            case "path" if isinstance(value, str) and value.strip():
                return base / Path(value.strip()).expanduser()
            case "whole" if isinstance(value, int) and not isinstance(value, bool):
                return self._in_range(value)
            case "rate" if isinstance(value, int | float) and not isinstance(value, bool):
                return self._rate(float(value))
            case "approval" if isinstance(value, bool):
                return "approval" if value else None
            case "approval" if isinstance(value, str) and value.strip().lower() in APPROVAL_CHOICES:
                return APPROVAL_CHOICES[value.strip().lower()]
        raise BadValue(self.expected())

    def from_env(self, value: str) -> object:
        """An environment value (strings only); relative paths stay relative to the
        current directory."""
        match self.kind:
            case "text" | "path" if not value.strip():
                raise BadValue(self.expected())
            case "text":
                return value.strip()
            case "path":
                return Path(value.strip()).expanduser()
            case "whole":
                try:
                    return self._in_range(int(value.strip()))
                except ValueError:
                    raise BadValue(self.expected()) from None
            case "rate":
                try:
                    return self._rate(float(value.strip()))
                except ValueError:
                    raise BadValue(self.expected()) from None
        return from_setting({ENV_REQUIRE: value})  # approval: the gate's own reading

    def _in_range(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise BadValue(self.expected())
        return value

    def _rate(self, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise BadValue(self.expected())
        return value


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("profile", TEXT, "OCPISPEC_PROFILE", None, "none (the spec's source)", "stored login profile `run` and `get` pull with"),
    Setting("output_root", PATH, "OCPISPEC_OUTPUT_ROOT", None, "none (current directory)", "directory relative destinations are written under"),
    Setting("page_size", WHOLE, "OCPISPEC_PAGE_SIZE", 500, "500",
            "records asked for per request", 1, 10_000),
    Setting("concurrency", WHOLE, "OCPISPEC_CONCURRENCY", 4, "4",
            "pages fetched in parallel", 1, 32),
    Setting("rps", RATE, "OCPISPEC_RPS", None, "none (no limit)",
            "at most this many requests per second"),
    Setting("state_dir", PATH, "OCPISPEC_STATE_DIR", None, ".ocpispec",
            "directory of the ledger (`ledger.sqlite`: state and disclosure log)"),
    Setting("runs_dir", PATH, "OCPISPEC_RUNS_DIR", None, ".ocpispec/runs", "directory of the run records"),
    Setting("templates_root", PATH, ROOT_VARIABLE, None, "none (the spec's folder)",
            "folder custom templates are named relative to and confined to"),
    Setting("require_approval", APPROVAL, ENV_REQUIRE, None, "no (the spec decides)", "approval every run needs: no, approval or signed"),
    Setting("rediscover_after", WHOLE, "OCPISPEC_REDISCOVER_AFTER", 24, "24",
            "hours a profile's stored discovery is reused before discovering again (0: always)",
            0, 8760),
)}

DESTINATIONS = "destinations"
_SECRET_WORDS = {"token", "secret", "password", "passwd", "key", "apikey", "credential",
                 "credentials", "auth", "authorization", "bearer", "private"}


def is_secret_name(name: str) -> bool:
    """A key that would hold a credential (`token`, `api_key`, `sftp_password`, ...).
    A name ending in `_env` names an environment variable instead, which is allowed."""
    words = name.lower().replace("-", "_").split("_")
    return words[-1] != "env" and any(word in _SECRET_WORDS for word in words)


def names_no_variable(name: str, value: object) -> bool:
    """A `..._env` key whose value is no environment variable's name: the secret itself,
    written where the name of its variable belongs (`secret_key_env = "wJalr..."`)."""
    return name.lower().endswith("_env") and not (isinstance(value, str) and is_name(value))
