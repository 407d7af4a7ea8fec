"""The `ocpispec` loggers and how `-v`, `--log-file` and `--log-format` set them up.

Two loggers carry events: `ocpispec.http` (one record per request: method, URL with its
query values redacted, status, bytes, milliseconds, attempt; and each retry) and
`ocpispec.run` (stage timings). Records carry their fields as `extra` attributes, so the
JSON form has them as keys. Nothing logged holds a token, a key or a record value: URLs
go through `safe_url` before they reach a logger, and no header or body is logged.
"""

from __future__ import annotations

import contextlib
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
    _lost = 0  # records not written since the file last took one (a full disk)
    _failed = False  # the last write failed (set by `handleError`)

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is not None and self._identity != _identity(self.baseFilename):
            with contextlib.suppress(OSError):  # what a full disk kept in the buffer
                self.stream.close()
            self.stream = None  # type: ignore[assignment]  # reopened by `emit`
        if self._lost and not self._written(_gap(self._lost)):
            self._lost += 1
            return
        self._lost = 0 if self._written(record) else 1

    def _written(self, record: logging.LogRecord) -> bool:
        self._failed = False
        super().emit(record)
        return not self._failed

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A log file that cannot be written (a full disk, a quota, a file-size limit) is
        said once on stderr and the command goes on; the file is tried again with each
        record, and its next line says how many are missing. logging's own handler
        printed a traceback, with the record's arguments, for every record."""
        failure = sys.exc_info()[1]
        if not isinstance(failure, OSError):
            super().handleError(record)
            return
        self._failed = True
        if self.stream is not None:  # its buffer holds the line: written later, uncounted
            with contextlib.suppress(OSError):
                self.stream.close()
            self.stream = None  # type: ignore[assignment]  # reopened by `emit`
        if not self._lost:
            reason = os.strerror(failure.errno) if failure.errno else type(failure).__name__
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"warning: cannot write the log file {self.baseFilename}: "
                                 f"{reason}; the command goes on, and the log says how many "
                                 "records it misses once it can be written again\n")
                sys.stderr.flush()

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


def _gap(lost: int) -> logging.LogRecord:
    return logging.LogRecord("ocpispec.log", logging.WARNING, __file__, 0,
                             "%d log records are missing here: the log file could not be "
                             "written", (lost,), None)


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
