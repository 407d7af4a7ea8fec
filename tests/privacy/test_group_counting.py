"""Minimum group size counts real drivers: spellings of one id count once, exactly as
pseudonyms see them (issue 7, item 6)."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.plan import ir
from ocpispec.plan.drivers import DRIVERS as DRIVERS_OF
from ocpispec.demo import Faults
from ocpispec.execute.aggregate import DRIVER_FAMILY, Aggregator
from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.pseudonyms import canonical_identifier, pseudonymizer
from ocpispec.execute.accumulators import DRIVERS, driver_count
from ocpispec.diagnostics.source import Span

SPAN = Span(0, 1)
FUNCTIONS = custom_functions(b"\x5a" * 32, "export")
DRIVER = DRIVERS_OF["sessions"]  # what the planner counts for sessions


def _aggregator(minimum: int, max_groups: int = 100_000,
                spill: str | None = None) -> tuple[Aggregator, Counts]:
    key = ir.Column("area", "area", (), "generalised", "", "public", "public", None, SPAN)
    step = ir.Aggregate("aggregate.sessions", (key,),
                        (ir.Measure("sessions", "count", None, (), "public", SPAN),),
                        minimum, True, "distinct drivers", DRIVER, SPAN)
    counts = Counts()
    return Aggregator(step, lambda text: compile_expression(text, FUNCTIONS), counts,
                      max_groups, spill), counts


def _session(area: str, contract_id: str) -> dict:
    """A charge of the driver of `contract_id`, with a card of that driver's own (a
    driver is counted both by contract and by card: `plan.drivers.uid_first`)."""
    card = "".join(char for char in contract_id.lower() if char.isalnum())
    return {"area": area, "cdr_token": {"contract_id": contract_id, "uid": f"UID{card}"}}


def _spellings(contract_id: str) -> list[str]:
    """How platforms write one eMA-ID: case, separators, padding."""
    bare = contract_id.replace("-", "")
    return [contract_id, contract_id.lower(), bare, bare.lower(), contract_id.replace("-", "*"),
            f" {contract_id} ", "-".join(bare)]


def test_nine_drivers_in_many_spellings_do_not_pass_a_minimum_of_ten() -> None:
    """The issue's attack: `NL-TNM-C0123` and `nltnmc0123` counted as two drivers, so a
    group of 9 real drivers passed `minimum group size 10`."""
    aggregator, counts = _aggregator(10)
    drivers = [f"NL-TNM-C{number:04d}" for number in range(9)]
    aggregator.add_all(_session("3511", spelling) for driver in drivers
                       for spelling in _spellings(driver))
    assert list(aggregator.rows()) == []
    assert counts.groups_suppressed == 1
    aggregator, _ = _aggregator(10)
    aggregator.add_all(_session("3511", driver) for driver in [*drivers, "NL-TNM-C9999"])
    assert list(aggregator.rows()) == [{"area": "3511", "sessions": 10}]


_ID = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=16)


@st.composite
def _variant(draw, identifier: str) -> str:
    text = "".join(char.lower() if draw(st.booleans()) else char for char in identifier)
    separated = "".join(char + draw(st.sampled_from(["", "", "-", "*", " "])) for char in text)
    return draw(st.sampled_from(["", " ", "  "])) + separated + draw(st.sampled_from(["", " "]))


@settings(max_examples=150, deadline=None)
@given(st.data(), st.lists(_ID, min_size=1, max_size=6, unique_by=str.lower))
def test_canonical_forms_of_one_id_always_count_once(data, identifiers: list[str]) -> None:
    aggregator, _ = _aggregator(1000)  # below the minimum, a group keeps its drivers
    pseudonym = pseudonymizer(b"\x5a" * 32, "export", DRIVER_FAMILY)
    for identifier in identifiers:
        variants = data.draw(st.lists(_variant(identifier), min_size=1, max_size=5))
        assert len({pseudonym(v) for v in variants}) == 1, "one driver, one pseudonym"
        assert len({canonical_identifier(v, DRIVER_FAMILY) for v in variants}) == 1
        aggregator.add_all(_session("a", variant) for variant in variants)
    (group,) = aggregator.groups.values()
    from ocpispec.execute.group_identity import driver_identity

    # one count per driver (two 15-character ids of an eMA-ID's shape that differ in
    # their last character alone, its check character, are one: `driver_identity`)
    assert driver_count(group[DRIVERS]) == len({driver_identity(i) for i in identifiers})


def test_pseudonyms_and_group_counting_share_one_canonical_form() -> None:
    aggregator, _ = _aggregator(1000)
    aggregator.add_all([_session("a", "NL-TNM-C0123"), _session("a", "nltnmc0123")])
    (group,) = aggregator.groups.values()
    assert canonical_identifier("NL*TNM*C0123", DRIVER_FAMILY) == b"nltnmc0123"
    # one driver, kept as a digest (its contract's and its card's ids linked: one person)
    assert group[DRIVERS] in (aggregator.digest(b"nltnmc0123"), aggregator.digest(b"uidnltnmc0123"))



@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=24)
       | st.text(alphabet=st.characters(max_codepoint=127), max_size=24))
def test_the_ascii_shortcut_keeps_the_canonical_form(text: str) -> None:
    """Token ids in ASCII take a shortcut (bytes translated): it gives the bytes the
    general rule gives (strip, casefold, letters and digits only)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    general = "".join(char for char in folded.strip() if char.isalnum())
    assert canonical_identifier(text, DRIVER_FAMILY) == general.encode()


# ---- ids that are no id, and compatibility forms ----------------------------------------

_NO_ID = ["", " ", "  ", "\t", "---", "*", " - : * ", "\u3000", "－－"]  # last: full-width


def _anonymous(area: str, blank: str) -> dict:
    return {"area": area, "cdr_token": {"contract_id": blank, "uid": blank}}


def test_an_id_that_is_no_id_has_no_pseudonym() -> None:
    """One pseudonym for every empty or separator-only id would make unrelated drivers
    look like one person in the consumer's file: such ids pseudonymise to null."""
    for family in (DRIVER_FAMILY, "session", "location"):
        pseudonym = pseudonymizer(b"\x5a" * 32, "export", family)
        for blank in ("", " ", "  ", "\t", "\u3000"):
            assert pseudonym(blank) is None, (family, blank)
    pseudonym = pseudonymizer(b"\x5a" * 32, "export", DRIVER_FAMILY)
    assert [pseudonym(blank) for blank in _NO_ID] == [None] * len(_NO_ID)
    assert pseudonym("-1-") is not None and pseudonymizer(
        b"\x5a" * 32, "export", "session")("---") is not None  # a session id of dashes is an id


def test_records_without_a_driver_id_add_no_driver() -> None:
    """Nine drivers and any number of records whose id is empty or separators only do
    not pass a minimum of ten: those records may be anyone, also one of the nine."""
    drivers = [f"NL-TNM-C{number:04d}" for number in range(9)]
    aggregator, counts = _aggregator(10)
    aggregator.add_all([*(_session("3511", driver) for driver in drivers),
                        *(_anonymous("3511", blank) for blank in _NO_ID * 3),
                        {"area": "3511", "cdr_token": None}, {"area": "3511"}])
    assert list(aggregator.rows()) == []
    assert counts.groups_suppressed == 1
    aggregator, _ = _aggregator(2)  # a group of anonymous records alone is never released
    aggregator.add_all(_anonymous("a", blank) for blank in _NO_ID * 5)
    assert list(aggregator.rows()) == []
    aggregator, _ = _aggregator(1)  # ... unless the spec asks for no minimum at all
    aggregator.add_all(_anonymous("a", blank) for blank in _NO_ID)
    assert list(aggregator.rows()) == [{"area": "a", "sessions": len(_NO_ID)}]


def test_compatibility_forms_of_one_id_are_one_driver() -> None:
    """Full-width letters, other dashes and ligature-like forms of one eMA-ID count once
    (and share its pseudonym): otherwise a group passes a minimum with fewer people."""
    drivers = [f"NL-TNM-C{number:04d}" for number in range(9)]
    full_width = [driver.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
                  for driver in drivers]
    dashed = [driver.replace("-", "\u2011") for driver in drivers]  # non-breaking hyphen
    aggregator, _ = _aggregator(10)
    aggregator.add_all(_session("a", spelling) for spelling in [*drivers, *full_width, *dashed])
    assert list(aggregator.rows()) == []
    pseudonym = pseudonymizer(b"\x5a" * 32, "export", DRIVER_FAMILY)
    assert pseudonym("ＮＬ－ＴＮＭ－Ｃ０１２３") == pseudonym("NL-TNM-C0123") \
        == pseudonym("nl\u2010tnm\u2010c0123")


@settings(max_examples=200, deadline=None)
@given(_ID, st.sampled_from(["NFKC", "NFKD", "full-width", "upper-full-width"]))
def test_a_compatibility_form_never_adds_a_driver(identifier: str, form: str) -> None:
    match form:
        case "full-width" | "upper-full-width":
            text = identifier.lower() if form == "full-width" else identifier
            variant = text.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
        case _:
            variant = unicodedata.normalize(form, identifier)
    assert canonical_identifier(variant, DRIVER_FAMILY) == canonical_identifier(
        identifier, DRIVER_FAMILY)
    assert canonical_identifier(variant, "session") == canonical_identifier(identifier, "session")

# ---- end to end: a platform that lowercases ids on every other page -------------------------


SPEC = '''export counted
  consumer "Test consumer"
  purpose "Tests of group counting"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where status = "COMPLETED"
group by
  status
compute
  count() as sessions
  minimum group size {size}
output csv to "x"
'''


def _run(run_cli, server, tmp_path: Path, name: str, size: int):
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(SPEC.format(size=size))
    out = tmp_path / f"{name}.csv"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     "--quiet", env={"OCPI_VERSIONS_URL": server.versions_url,
                                     "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(out.read_text(), newline="")))


def _real_drivers(server) -> int:
    """Ground truth from the clean platform: distinct contract ids of completed sessions."""
    from ocpispec.ocpi import Credentials, OcpiClient

    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        return len({s["cdr_token"]["contract_id"] for s in client.fetch("sessions")
                    if s["status"] == "COMPLETED"})


def test_lowercased_ids_do_not_inflate_groups(run_cli, demo_server_factory,
                                              tmp_path: Path) -> None:
    clean = demo_server_factory(version="2.2.1", size=240, max_page_size=20)
    faulty = demo_server_factory(version="2.2.1", size=240, max_page_size=20,
                                 faults=Faults(lowercase_ids=True))
    drivers = _real_drivers(clean)
    # one group holding every driver: released at exactly their number, not one above,
    # although the faulty platform spells many of them in two ways
    for server, name in ((clean, "clean"), (faulty, "faulty")):
        assert [row["sessions"] for row in _run(run_cli, server, tmp_path, name, drivers)]
        assert _run(run_cli, server, tmp_path, f"{name}-above", drivers + 1) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.sampled_from([DRIVER_FAMILY, "session", "location"]))
def test_a_pseudonym_is_null_exactly_when_the_id_is_blank(text: str, family: str) -> None:
    """No text gives the pseudonym of the empty id (there is none), and a text whose
    canonical form is empty (blank, or separators only for token ids) gives null."""
    pseudonym = pseudonymizer(b"\x5a" * 32, "export", family)(text)
    canonical = canonical_identifier(text, family)
    assert (pseudonym is None) == (canonical == b"")
    if pseudonym is not None:
        assert len(pseudonym) == 32 and pseudonym == pseudonymizer(
            b"\x5a" * 32, "export", family)(unicodedata.normalize("NFKC", text))


def test_one_time_tokens_add_no_driver_to_a_group_nor_to_a_sum() -> None:
    """An `AD_HOC_USER` token is one time use: each charge a new uid, so ten of them may
    be one person. Nine card drivers and any number of them stay below ten."""
    def ad_hoc(number: int, kind: str = "AD_HOC_USER") -> dict:
        return {"area": "3511", "cdr_token": {"uid": f"ADHOC{number}", "type": kind,
                                              "contract_id": f"NL-ADH-C{number:04d}"}}
    drivers = [f"NL-TNM-C{number:04d}" for number in range(9)]
    aggregator, counts = _aggregator(10)
    aggregator.add_all([*(_session("3511", driver) for driver in drivers),
                        *(ad_hoc(n) for n in range(20)), ad_hoc(99, "ad_hoc_user")])
    assert list(aggregator.rows()) == [] and counts.groups_suppressed == 1
    aggregator, _ = _aggregator(10)  # a tenth card driver: released, every charge counted
    aggregator.add_all([*(_session("3511", driver) for driver in [*drivers, "NL-TNM-C9999"]),
                        *(ad_hoc(n) for n in range(5))])
    assert list(aggregator.rows()) == [{"area": "3511", "sessions": 15}]
    aggregator, _ = _aggregator(10)  # an app user's token is the same every time: a driver
    aggregator.add_all([*(_session("3511", driver) for driver in drivers),
                        ad_hoc(1, "APP_USER")])
    assert list(aggregator.rows()) == [{"area": "3511", "sessions": 10}]
