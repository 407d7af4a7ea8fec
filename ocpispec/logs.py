"""The `ocpispec` loggers and how `-v`, `--log-file` and `--log-format` set them up.

Two loggers carry events: `ocpispec.http` (one record per request: method, URL with its
query values redacted, status, bytes, milliseconds, attempt; and each retry) and
`ocpispec.run` (stage timings). Records carry their fields as `extra` attributes, so the
JSON form has them as keys. Nothing logged holds a token, a key or a record value: URLs
go through `safe_url` before they reach a logger, and no header or body is logged.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

HTTP = logging.getLogger("ocpispec.http")
RUN = logging.getLogger("ocpispec.run")
FIELDS = ("event", "method", "url", "status", "bytes", "ms", "attempt", "delay_s", "reason",
          "stage", "dataset", "seconds", "records")
LEVELS = {0: logging.WARNING, 1: logging.INFO}


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        entry.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        return json.dumps(entry, ensure_ascii=False)


class PrivateFile(logging.FileHandler):
    """A log file appended to with mode 0640 (less by the umask), as outputs and the ledger
    are: a run's log names the platform, its endpoints and the exports, and a cron job's
    log lives for years. An existing regular file anyone may read loses that right.
    Watched, as `logging.handlers.WatchedFileHandler` (not imported: it loads pickle and
    socket): a `--follow` that runs for months writes to the file under its name again
    once logrotate moved it away (its `create` mode), not to the rotated or deleted one."""

    _identity: tuple[int, int] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is not None and self._identity != _identity(self.baseFilename):
            self.stream.close()
            self.stream = None  # type: ignore[assignment]  # reopened by `emit`
        super().emit(record)

    def _open(self) -> IO[str]:
        import stat

        from ocpispec.execute.atomic import file_mode

        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_mode())
        try:
            found = os.fstat(descriptor)
            if stat.S_ISREG(found.st_mode) and found.st_mode & 0o007:   # not /dev/stderr or a pipe
                os.fchmod(descriptor, stat.S_IMODE(found.st_mode) & ~0o007)
            self._identity = (found.st_dev, found.st_ino)
            return open(descriptor, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115
        except BaseException:
            os.close(descriptor)
            raise


def _identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def configure(verbosity: int, log_file: Path | None, log_format: str,
              stream: IO[str] | None = None) -> None:
    """`-v` shows requests and stages (INFO), `-vv` adds retries and detail (DEBUG);
    `--log-file` writes there instead of stderr; `--log-format json` one object a line.
    Without any of them only warnings reach stderr, as before."""
    root = logging.getLogger("ocpispec")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    level = LEVELS.get(verbosity, logging.DEBUG)
    if log_file is not None and verbosity == 0:
        level = logging.INFO  # asking for a log file asks for the log
    handler: logging.Handler = (PrivateFile(log_file, encoding="utf-8") if log_file
                                else logging.StreamHandler(stream or sys.stderr))
    handler.setFormatter(JsonLines() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
