"""The schema catalogue a wheel ships (ocpispec/schema/shipped_catalogue.py, written by
hatch_build.py): a wheel holds it, the first `check` from that wheel with an empty cache
reads it rather than building the catalogue (and writes no cache), and it is read only for the sources it was
made from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
from fixtures_cli import REPO

from ocpispec.schema import shipped_catalogue
from ocpispec.schema import catalogue as _catalogue  # noqa: F401  # the module, below

catalogue_module = sys.modules["ocpispec.schema.catalogue"]

# what only building the catalogue imports (a read catalogue holds their values)
BUILD_ONLY = ("ocpispec.schema.notes", "ocpispec.schema.v2_2_1")

_PROBE = """
import contextlib, io, json, sys
sys.argv = ["ocpispec", "check", sys.argv[1]]
from ocpispec.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit as exit:
        code = exit.code
import ocpispec
print(json.dumps([code, ocpispec.__file__, [m for m in sys.argv[2:] if m in sys.modules]]))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder),
                    str(REPO)], check=True, capture_output=True, timeout=600)
    (built,) = folder.glob("ocpispec-*.whl")
    unpacked = folder / "unpacked"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(unpacked)
    return unpacked


def test_the_wheel_ships_the_catalogue_and_its_first_check_does_not_build_one(wheel, tmp_path):
    assert (wheel / "ocpispec" / "schema" / shipped_catalogue.FILE).is_file()
    cache = tmp_path / "cache"
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(cache), "PYTHONPATH": str(wheel)}
    done = subprocess.run([sys.executable, "-c", _PROBE,
                           str(REPO / "specs" / "municipality_sessions.ocx"), *BUILD_ONLY],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    code, package, built = json.loads(done.stdout)
    assert package.startswith(str(wheel)) and code == 0, done.stderr
    assert built == []
    assert not cache.exists() or list(cache.iterdir()) == []  # nor kept in the cache


def test_the_shipped_catalogue_equals_a_built_one_and_follows_the_sources(tmp_path, monkeypatch):
    path = str(tmp_path / shipped_catalogue.FILE)
    built = catalogue_module._build()
    shipped_catalogue.write(path, built)
    read = shipped_catalogue.read(path)
    assert read is not None and read is not built
    assert read.neutral == built.neutral and read.wired == built.wired
    sources = shipped_catalogue.sources()
    monkeypatch.setattr(shipped_catalogue, "sources",
                        lambda: [*sources[:-1], str(REPO / "README.md")])
    assert shipped_catalogue.read(path) is None  # another source: built again


def test_a_missing_or_damaged_shipped_catalogue_is_ignored(tmp_path):
    path = tmp_path / shipped_catalogue.FILE
    assert shipped_catalogue.read(str(path)) is None
    shipped_catalogue.write(str(path), catalogue_module._build())
    path.write_bytes(path.read_bytes()[:500])
    assert shipped_catalogue.read(str(path)) is None
