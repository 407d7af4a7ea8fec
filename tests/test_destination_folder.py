"""A destination that names a folder (`"exports/"`) has no file to write: `check` says
so with a file name to add, instead of a run that stops with OCX554 "it is a
directory", whose help offered "a regular file or a directory"."""

from __future__ import annotations

import pytest

from frontend_helpers import HEADER, check_text, diagnose_source
from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile

BODY = 'from tariffs\nselect id\noutput {fmt} to "{destination}"\n'


@pytest.mark.parametrize(("fmt", "destination", "fix"), [
    ("csv", "exports/", 'write `"exports/{export}-{run.date}.csv"`'),
    ("parquet", "exports/{run.date}/", 'write `"exports/{run.date}/{export}-{run.date}.parquet"`'),
    ("csv", ".", 'write `"./{export}-{run.date}.csv"`'),
    ("csv", "exports/..", 'write `"exports/../{export}-{run.date}.csv"`'),
    ("ndjson", "/", 'write `"/{export}-{run.date}.ndjson"`'),
])
def test_a_destination_naming_a_folder(fmt: str, destination: str, fix: str,
                                       snapshot) -> None:
    body = BODY.format(fmt=fmt, destination=destination)
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    assert [(d.code, d.help) for d in found] == [("OCX426", fix)]
    if destination == "exports/":
        assert report.render(found, {"test.ocx": source}) == snapshot
    check_text(BODY.format(fmt=fmt, destination=fix.split('"')[1]))


@pytest.mark.parametrize("destination", ["exports/x.csv", "x", "exports/.hidden.csv",
                                         "sftp://files.example.org/in/x.csv"])
def test_a_file_destination_is_not_a_folder(destination: str) -> None:
    check_text(BODY.format(fmt="csv", destination=destination))
