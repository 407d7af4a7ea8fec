"""Run-time errors a user meets before any data moves: their messages, snapshotted."""

from __future__ import annotations

from fixtures_cli import cli_block


def test_a_repetitive_key_is_refused(run_cli, snapshot) -> None:
    result = run_cli("run", "specs/municipality_sessions.ocx", "--demo",
                     env={"UTRECHT_PSEUDONYM_KEY": "k" * 40})
    assert result.exit_code == 1
    assert "is worth about 0 bits (few different characters), fewer than 128\n" in result.stderr
    assert "k" * 40 not in result.stderr
    assert cli_block(result) == snapshot


def test_an_output_path_through_a_file_says_so(run_cli, tmp_path, snapshot) -> None:
    (tmp_path / "file").write_text("not a directory")
    result = run_cli("run", "specs/municipality_sessions.ocx", "--demo", "--demo-size", "50",
                     "--out", str(tmp_path / "file" / "out.csv"))
    assert result.exit_code == 1
    assert not (tmp_path / "file").is_dir()
    assert cli_block(result, tmp=tmp_path) == snapshot
