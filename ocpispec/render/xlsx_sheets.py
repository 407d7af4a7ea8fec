"""Where an XLSX output's sheets lie before they are zipped into the output, and how
the workbook is saved or abandoned.

openpyxl streams each sheet's rows into a temporary file of its own and zips the files
into the workbook when it is saved. It made them loose in the temporary directory
(`openpyxl.XXXXXXXX`), where nothing looked again: a run killed while it wrote (kill -9,
the OOM killer, a power cut) left its sheet there for good, holding the rows it had
written. They now lie in a scratch folder of the run (`ocpispec-sheets-<pid>-...`,
`ocpispec.scratch`), removed with the workbook, and swept by the next run when the run
that made it is gone.

A write into the sheets that fails (a full temporary directory, which may be another
disk than the output's) is `SheetSpaceError`, told as the run's scratch space (OCX559),
not as the output (OCX554): freeing space beside the output did not help. Only the save
writes into the output itself; the sheets are closed (their last rows written) before it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from ocpispec.scratch import ScratchFolder

# the scratch folder of the workbook being written in this context (None: openpyxl's way)
_FOLDER: ContextVar[Path | None] = ContextVar("xlsx_sheet_folder", default=None)


class SheetSpaceError(Exception):
    """A sheet's temporary file could not be written; `reason` as the system says it."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.reason = error.strerror or str(error)


@contextlib.contextmanager
def sheets_in_scratch() -> Iterator[None]:
    """Around a workbook's writing: its sheets' files lie in a scratch folder of their
    own, removed on leaving (written, abandoned or failed)."""
    _install()
    try:
        folder = ScratchFolder("sheets")
    except OSError as exc:
        raise SheetSpaceError(exc) from None
    token = _FOLDER.set(folder.path)
    try:
        yield
    finally:
        _FOLDER.reset(token)
        folder.remove()


def close_sheets(workbook: Any) -> None:
    """Write the sheets' last rows and close their files, before the save writes the
    output: what fails here is the scratch space's."""
    try:
        for sheet in workbook.worksheets:
            if not sheet.closed:
                sheet.close()
    except OSError as exc:
        abandon(workbook)
        raise SheetSpaceError(exc) from None


def save(workbook: Any, sink: Any) -> None:
    """`workbook.save(sink)`, with its zip archive in hand: where the save fails (a full
    disk), the archive is closed at once, while the sink is still open. Left to the
    garbage collector, it wrote its end record into the closed temporary file and
    printed a traceback under the run's diagnostic."""
    import datetime
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    archive = ZipFile(sink, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    try:
        ExcelWriter(workbook, archive).save()
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()
        abandon(workbook)
        raise


def abandon(workbook: Any) -> None:
    """A run that fails while its rows stream in (a k rule over its limit, an invalid
    record, Ctrl-C) leaves the sheet's row writer open: closed later by the garbage
    collector, it wrote into its already closed temporary file and printed a traceback.
    Close it now and delete its temporary file (which holds rows of the failed run)."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        with contextlib.suppress(Exception):
            if not sheet.closed:
                sheet.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def _install() -> None:
    """openpyxl names each sheet's file with `create_temporary_file`, looked up in its
    module when a sheet takes its first row: replaced once by one that makes the file in
    this context's folder (openpyxl's own way outside one)."""
    from openpyxl.worksheet import _writer

    if getattr(_writer.create_temporary_file, "in_scratch", False):
        return
    original = _writer.create_temporary_file

    def create_temporary_file(suffix: str = "") -> str:
        folder = _FOLDER.get()
        if folder is None:
            return original(suffix)
        handle, name = tempfile.mkstemp(suffix=suffix, prefix="openpyxl.", dir=folder)
        os.close(handle)
        _writer.ALL_TEMP_FILES.append(name)  # openpyxl removes it with the sheet
        return name

    create_temporary_file.in_scratch = True  # type: ignore[attr-defined]
    _writer.create_temporary_file = create_temporary_file
