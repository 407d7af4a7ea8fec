"""Whether a file is a mount point of its own (a file bind-mounted into a container:
`docker run -v /srv/exports/sessions.csv:/app/exports/sessions.csv`). Such a file cannot
be replaced by renaming another over it (EBUSY), which is how every output is published:
found only at the commit, after the whole crawl, it left a commit no later run could
finish. Linux lists its mounts in /proc/self/mountinfo; a bind mount from the same file
system has the device of its folder, so `os.path.ismount` alone does not see it."""

from __future__ import annotations

import os
from pathlib import Path

_MOUNTINFO = "/proc/self/mountinfo"


def is_mount_point(path: Path) -> bool:
    real = os.path.realpath(path)
    if os.path.ismount(real):
        return True
    try:
        with open(_MOUNTINFO, encoding="utf-8", errors="surrogateescape") as listing:
            return any(_mount_point(line) == real for line in listing)
    except OSError:  # not Linux, or no /proc: renaming will tell
        return False


def _mount_point(line: str) -> str | None:
    """The fifth field of a mountinfo line: the mount point, with space, tab, newline
    and backslash written as octal escapes."""
    fields = line.split(" ")
    if len(fields) < 5:
        return None
    return _unescaped(fields[4])


def _unescaped(text: str) -> str:
    if "\\" not in text:
        return text
    out, index = [], 0
    while index < len(text):
        if text[index] == "\\" and text[index + 1:index + 4].isdigit():
            out.append(chr(int(text[index + 1:index + 4], 8)))
            index += 4
        else:
            out.append(text[index])
            index += 1
    return "".join(out)
