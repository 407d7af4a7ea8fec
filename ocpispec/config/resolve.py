"""The effective configuration: flag > environment > project file > user file > built-in,
each value with where it came from; but a project file's `require_approval` never
demands less than the user file's."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path

from ocpispec.frozen import frozen
from ocpispec.approval.requirement import stricter
from ocpispec.config.files import FILE_NAME, ConfigFile, find_project_file, iter_files
from ocpispec.config.settings import SETTINGS, BadValue
from ocpispec.diagnostics import CompileError, Diagnostic, error
from ocpispec.diagnostics.source import SourceFile

BUILTIN = "built-in"


@frozen
class Value:
    value: object
    origin: str       # "flag --page-size", "env OCPISPEC_RPS", "<file>:<line>", "built-in"


class ConfigError(CompileError):
    """Diagnostics about configuration files or variables, with the files they are in."""

    def __init__(self, problems: list[tuple[Diagnostic, SourceFile | None]]) -> None:
        super().__init__([d for d, _ in problems])
        self.problems = problems


@frozen
class Config:
    values: dict[str, Value]
    files: tuple[Path, ...] = ()
    destinations: dict[str, tuple[dict[str, object], str]] = field(default_factory=dict)

    def get(self, name: str) -> object:
        return self.values[name].value

    def origin(self, name: str) -> str:
        return self.values[name].origin

    def with_flag(self, name: str, value: object, flag: str) -> Config:
        """The configuration with a command-line flag's value on top."""
        values = dict(self.values)
        values[name] = Value(value, f"flag {flag}")
        return Config(values, self.files, self.destinations)


def user_config_dir() -> Path:
    """`ocpispec.ocpi.profiles.config_dir()` (where logins are stored), without importing
    the HTTP client: `check` reads the configuration too."""
    override = os.environ.get("OCPISPEC_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("ocpispec"))


def user_file() -> Path:
    return user_config_dir() / FILE_NAME


def configured_templates_root(spec_dir: Path) -> Path | None:
    """The `templates_root` of the project or user file, for the template confinement;
    a file with problems gives none here (the command that loads it reports them)."""
    for read in iter_files(find_project_file(spec_dir), user_file()):
        if "templates_root" in read.values:
            return read.values["templates_root"]  # type: ignore[return-value]
    return None


def load_config(start: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The configuration for a spec in directory `start` (default: the current one).
    Raises ConfigError when a file or variable is wrong."""
    env = os.environ if env is None else env
    project = find_project_file(start or Path.cwd())
    files = list(iter_files(project, user_file()))
    problems = [(d, f.source) for f in files for d in f.diagnostics]
    values = {}
    for name, setting in SETTINGS.items():
        values[name] = Value(setting.builtin, BUILTIN)
        for read in reversed(files):  # the user's file first, the project's on top
            if name in read.values and not _loosens(name, read.values[name], values[name]):
                values[name] = Value(read.values[name], _where(read, name))
        if env.get(setting.env, "").strip():
            try:
                values[name] = Value(setting.from_env(env[setting.env]), f"env {setting.env}")
            except BadValue as exc:
                problems.append((error("OCX632", f"the environment variable `{setting.env}` "
                                       f"must be {exc}", help=f"set it to {exc}, or unset it "
                                       "(its value is not shown)"), None))
    if problems:
        raise ConfigError(problems)
    if values["runs_dir"].origin == BUILTIN and values["state_dir"].value is not None:
        state_dir = values["state_dir"]
        values["runs_dir"] = Value(Path(state_dir.value) / "runs",  # type: ignore[arg-type]
                                   f"{BUILTIN}: beside state_dir")
    destinations = {}
    for read in reversed(files):
        destinations.update({name: (table, str(read.path))
                             for name, table in read.destinations.items()})
    return Config(values, tuple(f.path for f in files), destinations)


def _loosens(name: str, value: object, below: Value) -> bool:
    """Whether a project file's `require_approval` would demand less than the user
    file's: the project file sits beside the specs, and whoever may write them must not
    switch off the demand of the machine that runs them (its environment still may)."""
    return name == "require_approval" and below.origin != BUILTIN and \
        stricter(value, below.value) != value  # type: ignore[arg-type]


def _where(read: ConfigFile, name: str) -> str:
    line = read.lines.get(name, 0)
    return f"{read.path}:{line}" if line else str(read.path)
