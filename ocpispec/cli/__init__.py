"""The `ocpispec` command line. Each command lives in its own module and is loaded
only when invoked, so `ocpispec check` never imports the HTTP stack."""

from __future__ import annotations

import importlib
import importlib.util

import click

from ocpispec import __version__

# command name -> (module, attribute, one-line summary shown in `ocpispec --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("ocpispec.cli.check", "check", "Check specs against the OCPI schema and privacy rules."),
    "plan": ("ocpispec.cli.plan", "plan", "Show what a run of a spec would fetch, transform and release."),
    "run": ("ocpispec.cli.run", "run", "Run an export: fetch from OCPI, transform, write the output."),
    "explain": ("ocpispec.cli.explain", "explain", "Explain a diagnostic code."),
    "schema": ("ocpispec.cli.schema", "schema", "List the OCPI fields a spec can use, with privacy classes."),
    "login": ("ocpispec.cli.login", "login", "Log in to an OCPI platform and store a credential profile."),
    "profiles": ("ocpispec.cli.profiles", "profiles", "List stored credential profiles (tokens never shown)."),
    "get": ("ocpispec.cli.get", "get", "Dump an OCPI module as privacy-filtered NDJSON."),
    "doctor": ("ocpispec.cli.doctor", "doctor", "Check an OCPI platform before the first export (read-only)."),
    "demo-server": ("ocpispec.cli.demo_server", "demo_server", "Serve a synthetic OCPI platform on 127.0.0.1."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _importable(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _importable(cmd_name):
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _importable(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name][0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ocpispec")
def main() -> None:
    """ocpispec turns a CPO's OCPI interface into reviewed, privacy-safe data exports.

    Write one .ocx export spec per data consumer, check it, let your privacy officer
    review it, then run it. Try it without any credentials:

      ocpispec run specs/municipality_sessions.ocx --demo
    """
