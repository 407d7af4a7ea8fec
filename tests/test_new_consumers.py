"""Specs for consumers the repo does not ship, as a new user writes them from the README
and docs/language.md: what they meet at check and run time."""

from __future__ import annotations

import re
from pathlib import Path

import jmespath
import pytest
from jmespath.exceptions import JMESPathTypeError

from fixtures_cli import cli_block
from frontend_helpers import HEADER, check_text, diagnose_source
from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile
from ocpispec.execute.expression_failures import reason, remedy

PRICES = '''export price_compare
  consumer "A price comparison site"
  purpose "Publish public charging prices"
  legal basis legitimate interests
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from tariffs
  each elements as element
  each element.price_components as component
select
  id as tariff_id
  component.type as dimension
  component.price as price
  jmespath("{days}") as days
output ndjson to "{out}"
'''


def _failure(expression: str, record: dict) -> str:
    with pytest.raises(JMESPathTypeError) as caught:
        jmespath.search(expression, record)
    return reason(caught.value)


@pytest.mark.parametrize(("expression", "record", "fix"), [
    ("join(',', days)", {}, "give the value `join()` reads a default for records that lack "
                            "it: write `x || `[]`` for `x`"),
    ("length(a)", {}, "give the value `length()` reads a default for records that lack it: "
                      "write `x || ''` for `x`"),
    ("abs(a)", {"a": "1.5"}, "convert the text `abs()` reads: write `to_number(x)` for `x`"),
    ("starts_with(a, 'x')", {"a": 1}, "convert the value `starts_with()` reads: write "
                                      "`to_string(x)` for `x`"),
])
def test_the_remedy_of_a_failing_expression_fits_the_function(expression: str, record: dict,
                                                              fix: str) -> None:
    found = _failure(expression, record)
    assert "1.5" not in found  # types, never values
    assert remedy([found]) == fix
    assert remedy(["missing key field `id`"]) is None


def test_an_expression_failing_on_valid_records_is_not_blamed_on_the_platform(
        run_cli, tmp_path: Path, snapshot) -> None:
    """Tariff elements without restrictions are valid OCPI; `join()` of their missing
    `day_of_week` fails. The run fails (nothing lost silently), saying which function
    failed on which type and how to give the value a default, which then runs."""
    spec = tmp_path / "prices.ocx"
    out = tmp_path / "prices.ndjson"
    spec.write_text(PRICES.format(days="join(',', element.restrictions.day_of_week)",
                                  out=out))
    failed = run_cli("run", str(spec), "--demo", "--demo-version", "2.3.0")
    assert failed.exit_code == 1
    assert "have the platform fix" not in failed.stderr
    assert cli_block(failed, tmp=tmp_path) == snapshot
    spec.write_text(PRICES.format(days="join(',', element.restrictions.day_of_week || `[]`)",
                                  out=out))
    done = run_cli("run", str(spec), "--demo", "--demo-version", "2.3.0")
    assert done.exit_code == 0, done.stderr
    assert '"days":null' in out.read_text()


@pytest.mark.parametrize(("module", "eaches", "column"), [
    ("locations", "", "facilities"),
    ("locations", "  each evses as evse\n", "evse.capabilities"),
    ("tariffs", "  each elements as element\n", "element.restrictions.day_of_week"),
    ("sessions", "  join locations on location_id\n", "location.evse.capabilities"),
], ids=["location", "evse", "tariff-element", "joined-evse"])
def test_a_list_of_texts_is_offered_as_one_joined_text(module: str, eaches: str,
                                                        column: str, snapshot) -> None:
    """A GIS team wants an EVSE's capabilities, a price site a tariff's weekdays: one
    list of texts per row. OCX209 offers the column that joins them, with a default so a
    record without the optional list does not fail the run; the offer checks clean."""
    body = f'from {module}\n{eaches}select\n  {column} as x\noutput ndjson to "x.ndjson"\n'
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    assert [d.code for d in found] == ["OCX209"]
    assert found[0].labels[0].message.endswith(" values")
    offered = re.findall(r"`(jmespath\(\".*?\"\))`", found[0].help)
    assert len(offered) == 2 and "NAME" not in found[0].help  # the column is named already
    for replacement in offered:
        check_text(body.replace(f"{column} as", f"{replacement} as"))
    if module == "tariffs":
        assert report.render(found, {"test.ocx": source}) == snapshot


@pytest.mark.parametrize("party", ["NL-ABC", "NL*ABC", "NLABC", "nl-abc"])
def test_every_party_the_grammar_takes_the_client_takes(party: str) -> None:
    """`party NL*ABC` (the eMI3 form) checked clean, then failed the run before any
    request with OCX512 `is not a party id`, pointing at no line."""
    from ocpispec.ocpi.options import split_party

    body = 'from locations\nselect\n  id\noutput csv to "x.csv"\n'
    checked = check_text(body, HEADER.replace("source profile demo",
                                              f"source profile demo party {party}"))
    assert checked.spec.source.party.name == party
    assert split_party(party) == ("NL", "ABC")


def test_aggregates_of_a_value_skip_records_without_it() -> None:
    """docs/language.md (Aggregation): `avg(total_parking_time)` is the mean over the
    records that carry it, and a group where none does gets an empty `sum` and `avg`;
    an idle-time consumer reads `sum / count()` and `avg` apart by this."""
    from ocpispec.execute import accumulators as acc

    slot = [0, 0, None, None]
    for value in (None, 1.5, None, 0.5):
        acc.add_stats(slot, value)
    assert acc.result("avg", slot, 4, None) == 1.0
    assert acc.result("sum", slot, 4, None) == 2.0
    assert acc.result("count", slot, 4, None) == 4
    empty = [0, 0, None, None]
    acc.add_stats(empty, None)
    assert acc.result("sum", empty, 1, None) is None and acc.result("avg", empty, 1, None) is None


CONNECTORS = '''from locations
  each evses as evse
  each evse.connectors as connector
group by
  city
  connector.standard as connector_type
compute
  count() as connectors
  max(connector.max_electric_power) as max_power_w
{size}output csv to "x.csv"
'''


@pytest.mark.parametrize(("size", "codes"), [("", ["OCX319"]),
                                             ("  minimum group size 1\n", []),
                                             ("  minimum group size 10\n", [])])
def test_a_statistics_office_counting_public_connectors(size: str, codes: list[str]) -> None:
    """Connectors per town and type read only public data of a module without drivers:
    `minimum group size 1` (every town, also one with three connectors) was OCX320 "too
    small to hide individuals", and OCX319 said small groups "may single out drivers"."""
    found = diagnose_source(SourceFile("test.ocx", HEADER + CONNECTORS.format(size=size)))
    assert [d.code for d in found] == codes
    if codes:
        assert found[0].help == ("release every group with `minimum group size 1`, or state "
                                 "`minimum group size 10`")


def test_a_group_size_below_five_is_still_warned_where_there_are_drivers_or_quasi_data() -> None:
    sessions = ('from sessions\ngroup by\n  status\ncompute\n  count() as n\n'
                '  minimum group size 1\noutput csv to "x.csv"\n')
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + sessions))] == \
        ["OCX320"]
    private = CONNECTORS.format(size="  minimum group size 1\n").replace(
        "from locations\n", "from locations\n  where publish_allowed_to.uid is null because "
        "\"only sites open to every driver count\"\n")
    assert "OCX320" in [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + private))]
