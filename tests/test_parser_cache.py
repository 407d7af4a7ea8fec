"""The spec parser kept in the user's cache folder (ocpispec/language/parser_cache.py): a
loaded parser parses like a freshly built one; a damaged, foreign or unwritable cache only
costs a rebuild; the key follows the grammar."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_lean_lexer import SPECS, outcome, stock_parser

from ocpispec import user_cache
from ocpispec.language import parser_cache
from ocpispec.language.lark_without_regex import Lark
from ocpispec.language.lean_lexer import PLUGINS
from ocpispec.language.parser import grammar_path

GRAMMAR = grammar_path().read_text(encoding="utf-8")


class Builder:
    def __init__(self, grammar: str = GRAMMAR) -> None:
        self.grammar, self.calls = grammar, []

    def __call__(self, lark_cache: bool) -> Lark:
        self.calls.append(lark_cache)
        return Lark(self.grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                    maybe_placeholders=True, _plugins=PLUGINS)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("OCPISPEC_CACHE_DIR", str(folder))
    return folder


def test_the_second_process_loads_the_parser_and_it_parses_as_lark_s_own(cache):
    first = Builder()
    parser_cache.cached_parser(GRAMMAR, first)
    files = list(cache.glob("parser-*.pickle"))
    assert first.calls == [False] and len(files) == 1
    assert files[0].stat().st_mode & 0o077 == 0 and cache.stat().st_mode & 0o077 == 0
    second = Builder()
    loaded = parser_cache.cached_parser(GRAMMAR, second)
    assert second.calls == []
    for path in SPECS:
        text = path.read_text(encoding="utf-8-sig")
        assert outcome(loaded, text) == outcome(stock_parser(), text), path.name
        damaged = text[: len(text) // 2] + " = (" + text[len(text) // 2:]
        assert outcome(loaded, damaged) == outcome(stock_parser(), damaged), path.name


def test_a_damaged_cache_file_is_rebuilt(cache):
    parser_cache.cached_parser(GRAMMAR, Builder())
    (file,) = cache.glob("parser-*.pickle")
    file.write_bytes(file.read_bytes()[:1000])
    again = Builder()
    parser_cache.cached_parser(GRAMMAR, again)
    assert again.calls == [False]
    assert user_cache.read(file, parser_cache._key(GRAMMAR)) is not None  # rewritten whole


def test_another_grammar_gets_another_file(cache):
    parser_cache.cached_parser(GRAMMAR, Builder())
    changed = GRAMMAR + "\n// a comment\n"
    builder = Builder(changed)
    parser_cache.cached_parser(changed, builder)
    assert builder.calls == [False] and len(list(cache.glob("parser-*.pickle"))) == 2


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0,
                    reason="root may write anywhere")
def test_an_unwritable_cache_folder_still_parses(cache):
    cache.mkdir(mode=0o500)
    builder = Builder()
    assert parser_cache.cached_parser(GRAMMAR, builder) is not None
    assert builder.calls == [False] and not list(cache.iterdir())


def test_a_folder_others_may_write_is_not_used(cache):
    cache.mkdir()
    cache.chmod(0o777)
    builder = Builder()
    parser_cache.cached_parser(GRAMMAR, builder)
    assert builder.calls == [True]  # lark builds (with its own cache); nothing read or written here
    assert not list(cache.iterdir())


def test_a_failed_write_leaves_no_temporary_file(cache, monkeypatch):
    cache.mkdir(mode=0o700)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(user_cache.os, "replace", full)
    assert parser_cache.cached_parser(GRAMMAR, Builder()) is not None
    assert not list(cache.iterdir())


def test_check_works_with_a_cache_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(blocker / "cache")}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "check", "specs/municipality_sessions.ocx"],
                          cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stderr


def test_a_file_for_another_key_under_the_same_name_is_not_read(cache, monkeypatch):
    parser_cache.cached_parser(GRAMMAR, Builder())
    (file,) = cache.glob("parser-*.pickle")
    monkeypatch.setattr(parser_cache, "FORMAT", "another")  # as if the checksum collided
    monkeypatch.setattr(user_cache.zlib, "crc32", lambda data: int(file.stem.split("-")[1], 16))
    builder = Builder()
    parser_cache.cached_parser(GRAMMAR, builder)
    assert builder.calls == [False]


def test_files_not_written_for_a_month_are_removed_when_another_is_written(cache):
    cache.mkdir(mode=0o700)
    old, recent = cache / "parser-00000000.pickle", cache / "catalogue-00000000.pickle"
    for file in (old, recent):
        file.write_bytes(b"x")
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(old, (month_ago, month_ago))
    parser_cache.cached_parser(GRAMMAR, Builder())
    assert not old.exists() and recent.exists()
