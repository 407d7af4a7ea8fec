"""The `ocpispec` command line. Each command lives in its own module and is loaded
only when invoked, so `ocpispec check` never imports the HTTP stack.

Exit codes: 0 success, 1 a diagnosed failure (spec errors, a failed or interrupted
run), 2 usage error, 70 internal error (a bug: "internal error" and a short report
hint; the traceback only with OCPISPEC_DEBUG=1, since exception texts may hold values).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path

import click

from ocpispec import __version__
from ocpispec.launch.guard import guarded

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
    "state": ("ocpispec.cli.state", "state", "Show, reset or move the `since last run` state of an export."),
    "review": ("ocpispec.cli.review", "review", "Write the privacy review of a spec (HTML, Markdown, JSON)."),
    "diff": ("ocpispec.cli.diff", "diff", "Show the privacy-relevant changes between two versions of a spec."),
    "approve": ("ocpispec.cli.approve", "approve", "Record a privacy officer's approval of a spec's privacy fingerprint."),
    "approvals": ("ocpispec.cli.approvals", "approvals", "List a spec's approvals: valid, stale or badly signed."),
    "history": ("ocpispec.cli.history", "history", "List logged runs, or the register of what each consumer received."),
    "config": ("ocpispec.cli.config", "config", "Show the effective configuration and where each value came from."),
    "init": ("ocpispec.cli.init", "init", "Write a commented starting spec that checks clean."),
}
class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _importable(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _importable(cmd_name):
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra) -> click.Context:
        words = list(args)
        try:    # guarded: the group's `--help` and `--version` write to stdout here
            return guarded(lambda: super(LazyGroup, self).make_context(info_name, args, parent, **extra),
                           passthrough=(click.exceptions.Exit, click.ClickException, click.Abort))
        except KeyboardInterrupt as stop:   # while the group's options are read
            from ocpispec.launch.stopped import command_of

            _stopped_early(command_of(words), stop)
            raise
        except click.UsageError as problem:
            problem.message = _without_secrets(problem.message, words)
            raise

    def invoke(self, ctx: click.Context):
        """Every failure a command did not diagnose ends in `launch.guard`: a full disk on
        stdout as a diagnostic, anything else as an internal error (exit 70)."""
        words = [*ctx._protected_args, *ctx.args]   # before `invoke` takes them
        try:
            return guarded(lambda: super(LazyGroup, self).invoke(ctx),
                           passthrough=(click.exceptions.Exit, click.ClickException, click.Abort))
        except KeyboardInterrupt as stop:   # before the command handled it (loading it, parsing)
            _stopped_early(words[0] if words else None, stop)
            raise
        except click.UsageError as problem:
            problem.message = _without_secrets(problem.message, words)
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


_EXTRA = re.compile(r"Got unexpected extra arguments? \(.*\)", re.DOTALL)


# a word of a token's alphabet and length: Base64, hex, a UUID, a JWT's parts
_SECRET_LIKE = re.compile(r"[A-Za-z0-9+/=_.~-]{16,}")
_FILE_NAME = re.compile(r"\.[A-Za-z]{1,6}$")   # `exports/city_2026.csv`, not yet written


def _without_secrets(message: str, words: list[str]) -> str:
    """A usage error quotes the word it refused, and that word is often the token put
    where something else belongs: `--token-encoding "$TOKEN"` (meant `--token`),
    `login URL "$TOKEN"` (an extra argument), `--workers` given the next option's
    value. Such a word is replaced by a description wherever the message quotes it."""
    message = _without_token(message, words)
    for word in sorted(set(filter(_secret_like, words)), key=len, reverse=True):
        shown = f"a value of {len(word)} characters"
        message = message.replace(f"'{word}'", f"{shown} (not shown: it may be a token)")
        message = message.replace(word, f"{shown}, not shown: it may be a token")
    return message


def _secret_like(word: str) -> bool:
    """Long, of a token's alphabet, letters with digits, no variable's name and no file
    that is there: `municipality_sessions`, `specs/a.ocx`, `2026-01-01` stay shown."""
    from ocpispec.secret_refs import is_name, is_path

    if _SECRET_LIKE.fullmatch(word) is None or os.path.exists(word) or _FILE_NAME.search(word):
        return False
    if "/" in word and is_path(word):   # a path not there (yet); a Base64 key is no path
        return False
    letters, digits = any(c.isalpha() for c in word), any(c.isdigit() for c in word)
    return letters and digits and not is_name(word)


def _without_token(message: str, words: list[str]) -> str:
    """A usage error of a command given `--token`: click quotes the words it did not
    expect, and a token pasted with its header's word (`--token Token 4f9e...`) or
    holding a space left its second word there, into the terminal and the CI log."""
    given = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--token"]
    given += [word.partition("=")[2] for word in words if word.startswith("--token=")]
    if not given:
        return message
    for token in sorted((t for t in given if len(t) >= 8), key=len, reverse=True):  # not `t`
        message = message.replace(token, "(the token)")
    return _EXTRA.sub("Got unexpected extra arguments (not shown: with `--token` they may be "
                      "part of the token; a token holds no space, give it alone, quoted, or "
                      "with `--token-env`)", message)


def _stopped_early(command: str | None, stop: KeyboardInterrupt) -> None:
    """`run` and `get` stopped before their own handler: OCX558 and exit 1, as later."""
    from ocpispec.launch.stopped import report_early_stop

    if report_early_stop(command, stop):
        raise SystemExit(1) from None


def _importable(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name][0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ocpispec")
@click.option("-v", "--verbose", count=True, help="Log each request and stage (-v), and "
              "retries and detail (-vv), to stderr or --log-file. URLs have their query "
              "values redacted; tokens, keys and record values are never logged.")
@click.option("--log-file", type=click.Path(dir_okay=False), metavar="PATH",
              help="Write the log to PATH (appending; missing folders are made) instead "
                   "of stderr.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object per line, with the event's fields.")
def main(verbose: int, log_file: str | None, log_format: str) -> None:
    """ocpispec turns a CPO's OCPI interface into reviewed, privacy-safe data exports.

    Write one .ocx export spec per data consumer, check it, let your privacy officer
    review it, then run it. Try it without any credentials:

      ocpispec run specs/municipality_sessions.ocx --demo
    """
    if log_file is not None and log_file.endswith(("/", os.sep)):  # a folder: `logs/`
        raise click.BadParameter(f"`{log_file}` names a folder; give the log's file name, "
                                 f"e.g. `{log_file}ocpispec.log`", param_hint="'--log-file'")
    if verbose or log_file is not None:
        from ocpispec.logs import configure

        try:
            if log_file is not None:  # a cron job's `logs/` folder, as `run --out` makes one
                Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            configure(verbose, None if log_file is None else Path(log_file), log_format)
        except OSError as problem:     # a file on the way, no permission
            reason = "a path above it is a file, not a folder" \
                if isinstance(problem, (FileExistsError, NotADirectoryError)) \
                else problem.strerror or problem
            raise click.BadParameter(f"cannot open `{log_file}` for writing: {reason}",
                                     param_hint="'--log-file'") from None
