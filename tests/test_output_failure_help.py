"""OCX554's help names the failure the system gave: a disk or share that failed to write
(EIO) or a read-only file system (EROFS) is not cured by checking that the directory
exists and is writable, which was said for every error but a full disk. A real EIO
cannot be made here; the full disks of `test_full_disk*` stay as they were."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from ocpispec.execute.output_failures import output_failed
from ocpispec.execute.outputs import Target

TARGET = Target(Path("/srv/exports/sessions.csv"))


@pytest.mark.parametrize("number", [errno.EIO, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                                    errno.EACCES, errno.ENOENT], ids=errno.errorcode.get)
def test_each_failure_gets_its_own_help(number: int, snapshot) -> None:
    failure = output_failed(TARGET, OSError(number, os.strerror(number))).diagnostic
    assert failure.code == "OCX554"
    assert (failure.message, failure.notes, failure.help) == snapshot


def test_an_io_error_does_not_send_the_user_to_the_directorys_rights() -> None:
    for number in (errno.EIO, errno.EROFS):
        help_ = output_failed(TARGET, OSError(number, os.strerror(number))).diagnostic.help
        assert "exists and is writable" not in help_ and "`/srv/exports`" in help_
