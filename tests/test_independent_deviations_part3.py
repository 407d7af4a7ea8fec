"""The third part of tests/test_independent_deviations.py's table: `login`, `doctor`, `get`
and `run` against an independent OCPI sender showing one deviation real platforms show.
In a file of its own so that another worker of the suite tries it (`--dist loadfile`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_independent_deviations import part, read_whole_or_refused_loudly


@pytest.mark.parametrize(("quirk", "version"), part(3))
def test_a_deviating_platform_is_read_whole_or_refused_loudly(quirk: str, version: str, run_cli,
                                                              tmp_path: Path) -> None:
    read_whole_or_refused_loudly(quirk, version, run_cli, tmp_path)
