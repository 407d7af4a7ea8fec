"""The data package of a CSV written for Excel (with a byte order mark) declares its
encoding by the IANA name, `utf-8`. It said Python's `utf-8-sig`, which no iconv knows:
R's frictionless (`read_resource`, the loader docs/outputs.md gives R users) checks the
name against `iconvlist()` and warned "Unknown encoding `utf-8-sig`" on every such file.
frictionless-py and pandas still skip the mark. Runs go over HTTP to the demo CPO."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from frictionless import Package

from fixtures_cli import SPECS
from test_datapackage import docs_loader


def _iconv_names() -> set[str]:
    """The encodings R's `iconvlist()` lists: the system iconv's own names."""
    if shutil.which("iconv") is None:
        pytest.skip("no iconv")
    listed = subprocess.run(["iconv", "-l"], capture_output=True, text=True, check=True).stdout
    return {name.strip().rstrip("/").lower() for name in listed.replace(",", "\n").split()}


@pytest.mark.parametrize("dialect", ["excel-nl", "excel-en", "rfc-4180"])
def test_the_declared_encoding_is_one_iconv_and_r_know(run_cli, tmp_path, dialect) -> None:
    spec = tmp_path / "spec.ocx"
    base = (SPECS / "utilisation_by_area.ocx").read_text()
    original = 'output csv to "exports/utilisation-by-area-{run.date}.csv"'
    assert original in base
    spec.write_text(base.replace(original, f'output csv {dialect} to "{tmp_path}/x.csv"'))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.output
    descriptor = tmp_path / "x.csv.datapackage.json"
    resource = json.loads(descriptor.read_text())["resources"][0]
    assert resource["encoding"].lower() in _iconv_names()
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf") == (dialect != "rfc-4180")
    read = Package(str(descriptor)).resources[0]
    rows = read.read_rows()
    assert read.header[0] == "postal_district" and len(rows) > 5
    frame = docs_loader()(str(descriptor))
    assert list(frame.columns)[0] == "postal_district" and len(frame) == len(rows)
