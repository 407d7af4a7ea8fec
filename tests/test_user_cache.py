"""What `ocpispec.user_cache` keeps between processes (the spec parser, the schema
catalogue) changes nothing: every spec in the repository checks the same without a
cache, with a cache being written and with a cache being read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from fixtures_cli import REPO

from ocpispec import user_cache
from ocpispec.schema import catalogue as _catalogue  # noqa: F401  # the module, below

catalogue_module = sys.modules["ocpispec.schema.catalogue"]


def check_everything(cache_dir) -> str:
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "check", "--format", "json",
                           "specs", "tests/cases"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # tests/cases holds specs with errors
    return done.stdout


def test_every_spec_checks_the_same_with_and_without_the_cache(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    without = check_everything(blocker / "cache")  # no usable folder: nothing cached
    cache = tmp_path / "cache"
    writing = check_everything(cache)
    # lark's parser, for the specs with syntax errors; the lark-free parser's table is shipped
    assert sorted(p.name.split("-")[0] for p in cache.glob("*.pickle")) == ["catalogue", "parser"]
    reading = check_everything(cache)
    assert without == writing == reading
    assert '"valid": false' in without and '"valid": true' in without


def test_a_catalogue_read_from_the_cache_equals_a_built_one(tmp_path, monkeypatch):
    monkeypatch.setenv("OCPISPEC_CACHE_DIR", str(tmp_path))
    key = catalogue_module._sources_key()
    user_cache.cached("catalogue", key, catalogue_module._build)
    read = user_cache.cached("catalogue", key, lambda: None)
    built = catalogue_module._build()
    assert read is not None and read is not built
    assert read.neutral == built.neutral and read.wired == built.wired
    for version, version_map in built.maps.items():
        for slot in type(version_map).__slots__:
            assert getattr(read.maps[version], slot) == getattr(version_map, slot), (version, slot)
    session = ("cdr_token", "contract_id")
    assert read.resolve("sessions", session) == built.resolve("sessions", session)


def test_the_catalogue_key_follows_the_schema_sources(tmp_path):
    before = catalogue_module._sources_key()
    # the installed package's source (CI installs it, not in editable mode)
    source = Path(catalogue_module.__file__).parent / "notes.py"
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        assert catalogue_module._sources_key() != before
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert catalogue_module._sources_key() == before


_FIRST_CHECK = """
import contextlib, io, json, sys
sys.argv = ["ocpispec", "check", sys.argv[1]]
from ocpispec.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit as exit:
        code = exit.code
loaded = sorted(m for m in ("tempfile", "shutil", "random") if m in sys.modules)
# read back by this process's package (a non-editable install's tests import another copy,
# whose sources' key differs from the checkout's this process ran)
import os, pathlib
from ocpispec import user_cache
import ocpispec.schema.catalogue
catalogue = sys.modules["ocpispec.schema.catalogue"]
written = sorted(pathlib.Path(os.environ["OCPISPEC_CACHE_DIR"]).iterdir())
readable = [user_cache.read(path, catalogue._sources_key()) is not None for path in written]
print(json.dumps([code, loaded, readable]))
"""


def test_writing_the_cache_loads_no_tempfile(tmp_path):
    """A first `check` writes the cache without `tempfile` (and the `shutil`, `random`
    and compressors it loads); the files are complete and private."""
    cache = tmp_path / "cache"
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", _FIRST_CHECK,
                           str(REPO / "specs" / "municipality_sessions.ocx")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == '[0, [], [true]]', done.stderr
    (written,) = cache.iterdir()
    assert written.name.startswith("catalogue-") and written.stat().st_mode & 0o077 == 0


def _aged(path: Path, days: float) -> Path:
    path.write_bytes(b"")
    then = path.stat().st_mtime - days * 24 * 3600
    os.utime(path, (then, then))
    return path


def test_files_not_written_for_thirty_days_are_removed_when_another_is(tmp_path):
    old, young = _aged(tmp_path / "old.pickle", 31), _aged(tmp_path / "young.pickle", 29)
    other = _aged(tmp_path / "notes.txt", 400)
    user_cache.write(tmp_path / "new.pickle", "key", {"a": 1}, user_cache.Pickler)
    assert not old.exists() and young.exists() and other.exists()
    assert user_cache.read(tmp_path / "new.pickle", "key") == {"a": 1}


def test_a_process_clock_ahead_of_the_folders_keeps_what_it_wrote(tmp_path, monkeypatch):
    """A cache on a network folder whose clock runs behind the process's (here: the
    process 400 days ahead) took the file just written for stale and deleted it, and the
    others with it: staleness is judged by the folder's own clock."""
    young = _aged(tmp_path / "young.pickle", 29)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 400 * 24 * 3600)
    user_cache.write(tmp_path / "new.pickle", "key", {"a": 1}, user_cache.Pickler)
    monkeypatch.undo()
    assert young.exists()
    assert user_cache.read(tmp_path / "new.pickle", "key") == {"a": 1}
