"""A tariff regulator's spec as docs/language.md writes it: one row per price component
(`each elements as element`, then `each element.price_components as component`), each
as the platform lists it, in the Dutch Excel dialect."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

REGULATOR = '''export acm_tariffs
  consumer "ACM (Authority for Consumers and Markets)"
  purpose "Monitor ad-hoc charging prices per country"
  legal basis legal obligation
  retention 10 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0
from tariffs
  each elements as element
  each element.price_components as component
select
  id as tariff_id
  country_code
  currency
  component.type as component
  component.price
  component.step_size
  element.restrictions.start_time
output csv excel-nl to "exports/acm/tariff_components.csv"
'''


def test_each_price_component_of_a_published_tariff_is_one_row(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "acm.ocx"
    spec.write_text(REGULATOR)
    assert run_cli("check", str(spec)).exit_code == 0
    out = tmp_path / "components.csv"
    done = run_cli("run", str(spec), "--demo", "--demo-version", "2.3.0", "--demo-size", "500",
                   "--out", str(out))
    assert done.exit_code == 0, done.stderr
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    listed = run_cli("get", "tariffs", "--demo", "--demo-version", "2.3.0", "--demo-size", "500")
    assert listed.exit_code == 0, listed.stderr
    expected = sorted(
        (tariff["id"], component["type"], Decimal(str(component["price"])),
         (element.get("restrictions") or {}).get("start_time") or "")
        for tariff in map(json.loads, listed.stdout.splitlines())
        for element in tariff["elements"] for component in element["price_components"])
    got = sorted((row["tariff_id"], row["component"], Decimal(row["price"].replace(",", ".")),
                  row["start_time"]) for row in rows)
    assert got == expected and len(got) > 5


def test_a_spec_pinning_a_version_the_platform_lacks_is_told_to_change_its_source(
        run_cli, tmp_path: Path, snapshot) -> None:
    """The regulator's spec pins `version 2.3.0`; the CPO's platform (its URL and token in
    the environment) offers 2.2.1 only. OCX506 said 'asked for: `2.3.0` (`--version`, or
    the version the profile was logged in on)' and 'log in again with `--version auto`',
    about a login and a flag this run has neither of, and pointed at no line. It now
    points at the source that pins the version and writes one the platform offers."""
    from ocpispec.demo import DemoServer

    spec = tmp_path / "acm.ocx"
    spec.write_text(REGULATOR)
    with DemoServer(version="2.2.1", size=300) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        done = run_cli("run", str(spec), "--out", str(tmp_path / "x.csv"), env=env)
        text = done.stderr.replace(str(spec), "acm.ocx").replace(server.versions_url, "URL")
        assert done.exit_code == 1
        assert text == snapshot
        assert "--version" not in text and "log in" not in text
        assert not (tmp_path / "x.csv").exists()
        spec.write_text(REGULATOR.replace("version 2.3.0", "version 2.2.1"))
        fixed = run_cli("run", str(spec), "--out", str(tmp_path / "x.csv"), env=env)
        assert fixed.exit_code == 0, fixed.stderr
