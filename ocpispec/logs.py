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
    handler: logging.Handler = (logging.FileHandler(log_file, encoding="utf-8") if log_file
                                else logging.StreamHandler(stream or sys.stderr))
    handler.setFormatter(JsonLines() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
