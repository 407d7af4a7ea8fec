"""A display text's `language` sent as a locale's tag (`en-GB`, `nl_BE`), as platforms'
locale settings write it, where OCPI says ISO 639-1's two letters: read as too long, every
tariff's alternative texts lost their language (`tariff_alt_text.language` null, counted
as invalid). It now reads as the tag's language, said as a deviation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from independent_cpo import IndependentCpo

SAID = "tariffs.tariff_alt_text.language: a language tag with a region or script (`en-GB`), read as its language (`en`)"


class _LocaleTags(IndependentCpo):
    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made if module == "tariffs" else ():
            record["tariff_alt_text"] = [{"language": "en-GB", "text": "0.25 EUR per kWh"},
                                         {"language": "nl_BE", "text": "0,25 EUR per kWh"},
                                         {"language": "NL", "text": "0,25 EUR per kWh"}]
        return made


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
def test_a_locale_tag_reads_as_its_language(version: str, run_cli) -> None:
    with _LocaleTags(version, records=4) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "tariffs", "--profile", "independent")
    assert pulled.exit_code == 0, pulled.output
    dumped = [json.loads(line) for line in pulled.stdout.splitlines() if line.strip()]
    assert len(dumped) == 4
    assert [[text["language"] for text in tariff["tariff_alt_text"]] for tariff in dumped] == [["en", "nl", "NL"]] * 4
    assert f"8 {SAID}" in pulled.output and "tariff_alt_text.language (longer" not in pulled.output
