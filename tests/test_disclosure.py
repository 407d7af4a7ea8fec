"""The risk meter and the k-anonymity enforcer against brute-force references."""

from __future__ import annotations

import contextlib
import os

import hashlib
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.disclosure import (
    Drivers,
    KEnforcer,
    LimitExceeded,
    RiskMeter,
    bucket,
    levels_for,
    recoder,
)
from ocpispec.disclosure.risk_records import _SEED, class_digest, class_key

ROWS = st.lists(st.tuples(st.integers(0, 12), st.sampled_from(["3511", "3512", "3521"]),
                          st.integers(0, 5)), min_size=0, max_size=120)


def _measure(rows, by_driver=True):
    """The figures of `rows`, computed the three ways (in memory without numpy, with
    numpy, and SQL over the spill), which must agree."""
    found = []
    for in_memory_rows, numpy_rows in (("1000000", "1000000"), ("1000000", "0"), ("0", "0")):
        meter, drivers = RiskMeter(("place", "hour"), ("place", "hour"), by_driver), Drivers()
        try:
            for driver, place, hour in rows:
                hidden, rank = drivers.of(str(driver).encode() if by_driver else None)
                meter.add(hidden, rank, [place, hour], [place, hour])
            with _env("OCPISPEC_RISK_IN_MEMORY_ROWS", in_memory_rows), \
                    _env("OCPISPEC_RISK_NUMPY_ROWS", numpy_rows):
                found.append(meter.figures())
        finally:
            meter.close()
    assert found[0] == found[1] == found[2]
    return found[0]


@contextlib.contextmanager
def _env(name: str, value: str):
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_class_counts_match_brute_force(rows) -> None:
    figures = _measure(rows)
    members: dict[tuple, set] = defaultdict(set)
    counts: dict[tuple, int] = defaultdict(int)
    for driver, place, hour in rows:
        members[(place, hour)].add(driver)
        counts[(place, hour)] += 1
    expected_classes = {name: 0 for name in ("1", "2-4", "5-9", "10+")}
    expected_rows = dict(expected_classes)
    for key, drivers in members.items():
        expected_classes[bucket(len(drivers))] += 1
        expected_rows[bucket(len(drivers))] += counts[key]
    assert figures.rows == len(rows)
    assert figures.classes == len(members)
    assert figures.drivers == len({driver for driver, _, _ in rows})
    assert figures.classes_by_size == expected_classes
    assert figures.rows_by_size == expected_rows
    assert figures.smallest == (min(map(len, members.values())) if members else None)


def _rank(driver: bytes, point: tuple) -> int:
    from ocpispec.disclosure.risk_records import class_key

    base = hashlib.blake2b(driver, key=_SEED, digest_size=8).digest()
    text = class_key(point)
    return int.from_bytes(hashlib.blake2b(base + text.encode(), key=_SEED,
                                          digest_size=8).digest(), "big") >> 1, text


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_unicity_matches_brute_force(rows) -> None:
    figures = _measure(rows)
    traces: dict[int, set] = defaultdict(set)
    for driver, place, hour in rows:
        traces[driver].add((place, hour))
    if not traces:
        assert figures.unique_1 is None
        return
    unique_1 = unique_2 = 0
    for driver, trace in traces.items():
        chosen = sorted(trace, key=lambda point: _rank(str(driver).encode(), point))[:2]
        holders_1 = [d for d, t in traces.items() if chosen[0] in t]
        holders_2 = [d for d, t in traces.items() if all(p in t for p in chosen)]
        unique_1 += len(holders_1) == 1
        unique_2 += len(holders_2) == 1
    assert figures.unique_1 == round(unique_1 / len(traces), 4)
    assert figures.unique_2 == round(unique_2 / len(traces), 4)


def test_rows_without_drivers_count_as_records() -> None:
    figures = _measure([(1, "3511", 1), (1, "3511", 1)], by_driver=False)
    assert figures.counted_in == "records"
    assert figures.classes_by_size["2-4"] == 1


NOBODY = b"\x00nobody"  # what `execute/aggregate._identity` gives for a blank driver id


def _enforce(rows, k, limit=100.0, levels=None):
    levels = levels if levels is not None else {
        "hour": [recoder("time", level) for level in levels_for("truncate", "hour")],
        "place": [recoder("prefix", level) for level in levels_for("prefix", 4)]}
    drivers = Drivers()
    enforcer = KEnforcer(k, ("hour", "place"), levels, limit, nobody=drivers.of(NOBODY)[0])
    try:
        for driver, row in rows:
            enforcer.add(row, *drivers.of(NOBODY if driver is None else driver.encode()))
        outcome = enforcer.enforce()
        released = [(row, hidden) for row, hidden, _ in enforcer.released()]
        return outcome, released
    finally:
        enforcer.close()


ROW_DATA = st.lists(st.tuples(
    st.sampled_from([f"driver-{n}" for n in range(15)]),
    st.builds(lambda day, hour, place: {"hour": f"2026-01-{day:02d}T{hour:02d}:00:00Z",
                                        "place": place, "kwh": 1.5},
              st.integers(1, 3), st.integers(0, 23),
              st.sampled_from(["3511", "3512", "3521", "3581", "1012"]))), max_size=150)


@settings(max_examples=60, deadline=None)
@given(ROW_DATA, st.integers(2, 6))
def test_enforcement_leaves_no_class_under_k(rows, k) -> None:
    outcome, released = _enforce(rows, k)
    classes: dict[tuple, set] = defaultdict(set)
    for row, hidden in released:
        classes[(row["hour"], row["place"])].add(hidden)
    assert all(len(drivers) >= k for drivers in classes.values())
    assert len(released) + outcome.suppressed == len(rows) == outcome.rows
    assert all(row["kwh"] == 1.5 for row, _ in released)  # other columns untouched


def test_rows_without_a_driver_id_add_no_driver_to_a_class() -> None:
    """Four drivers and rows whose driver id is blank (any number of them) are not a
    class of five: those rows may be anyone, also one of the four."""
    row = {"hour": "2026-01-05T12:00:00Z", "place": "3511"}
    rows = [*((f"d{n}", dict(row)) for n in range(4)), *((None, dict(row)) for _ in range(6))]
    outcome, released = _enforce(rows, 5, levels={})
    assert released == [] and outcome.suppressed == 10
    outcome, released = _enforce([*rows, ("d4", dict(row))], 5, levels={})
    assert len(released) == 11 and outcome.suppressed == 0


def test_local_recoding_comes_before_suppression() -> None:
    """Five drivers, each alone in an hour of one 4-hour block and one postal code:
    every class is too small, but one level up they form one class of five."""
    rows = [(f"d{n}", {"hour": f"2026-01-05T{12 + n % 4:02d}:00:00Z", "place": "3511"})
            for n in range(5)]
    outcome, released = _enforce(rows, 5)
    assert outcome.suppressed == 0 and outcome.generalised == 5
    assert {row["hour"] for row, _ in released} == {"2026-01-05T12:00:00Z"}
    assert {row["place"] for row, _ in released} == {"351"}


def test_classes_that_pass_keep_their_detail() -> None:
    rows = [(f"d{n}", {"hour": "2026-01-05T13:00:00Z", "place": "3511"}) for n in range(5)]
    rows += [("lonely", {"hour": "2026-01-05T14:00:00Z", "place": "3511"})]
    outcome, released = _enforce(rows, 5, levels={})
    assert outcome.generalised == 0 and outcome.suppressed == 1
    assert [row["hour"] for row, _ in released] == ["2026-01-05T13:00:00Z"] * 5


def test_the_limit_fails_past_its_share() -> None:
    rows = [(f"d{n}", {"hour": f"2026-01-0{1 + n}T00:00:00Z", "place": str(n)})
            for n in range(3)]
    with pytest.raises(LimitExceeded) as raised:
        _enforce(rows, 2, limit=50.0, levels={})
    assert raised.value.outcome.suppressed == 3 and raised.value.outcome.rate == 100.0


@pytest.mark.parametrize(("function", "argument", "levels"), [
    ("truncate", "hour", ("4 hours", "day", "week")),
    ("truncate", "day", ("week", "month", "year")),
    ("prefix", 4, ("3", "2")),
    ("grid", 0.01, ("0.05", "0.1", "0.5")),
    ("round", 1, ("1", "10")),
    ("minutes", None, ()),
])
def test_hierarchies_follow_the_generaliser(function, argument, levels) -> None:
    assert levels_for(function, argument) == levels


def test_recoders_move_values_up() -> None:
    assert recoder("time", "4 hours")("2026-01-05T15:00:00Z") == "2026-01-05T12:00:00Z"
    assert recoder("time", "day")("2026-01-05T15:00:00Z") == "2026-01-05T00:00:00Z"
    assert recoder("prefix", "2")("3511") == "35"
    assert recoder("round", "10")(23.4) == 20
    assert recoder("grid", "0.1")({"latitude": 52.09, "longitude": 5.12}) == \
        {"latitude": 52.05, "longitude": 5.15}
    assert recoder("prefix", "2")(None) is None


SPEC = '''export k_plan
  consumer "Test consumer"
  purpose "k-anonymity plan tests of ocpispec"
  legal basis public task "test"
  retention 1 months
source profile demo
from sessions
  join locations on location_id
select
  truncate(start_date_time, hour) as started_hour
  prefix(location.postal_code, 4) as postal_area
  round(kwh, 1) as energy_kwh
  location.connector.standard as standard
{rule}output csv to "out.csv"
'''


def _plan(rule: str, spec: str = SPEC):
    from ocpispec.check.compiler import compile_source
    from ocpispec.plan.planner import plan
    from ocpispec.diagnostics.source import SourceFile

    return plan(compile_source(SourceFile("k.ocx", spec.format(rule=rule))))


def test_the_plan_shows_the_rule_and_its_hierarchies() -> None:
    from ocpispec.plan import ir
    from ocpispec.render.plan_text import plan_text

    plan = _plan("  require k 5 suppression limit 2%\n")
    rule = plan.datasets[0].step(ir.KAnonymity)
    # the default set; the plug standard is one (a rare plug at a site names the car)
    assert rule.over == ("started_hour", "postal_area", "energy_kwh", "standard")
    assert not rule.over_stated and rule.suppression_limit == 2.0
    assert [(h.column, h.levels) for h in rule.hierarchies] == [
        ("started_hour", ("4 hours", "day", "week")), ("postal_area", ("3", "2")),
        ("energy_kwh", ("1", "10"))]
    text = " ".join(plan_text(plan).split())
    assert "k_anonymity.sessions every class of equal `started_hour`, `postal_area`, " \
           "`energy_kwh`, `standard` (the released quasi-identifiers) holds at least 5 " \
           "distinct drivers" in text
    assert "`postal_area` → 3 characters → 2 characters" in text
    assert ir.Plan.from_dict(plan.to_dict()) == plan


@pytest.mark.parametrize(("column", "place"), [
    ("location_id", True), ("location.id", True), ("location.evse.uid", True),
    ("location.evse.evse_id", True), ("location.evse.physical_reference", True),
    ("jmespath(\"location.coordinates.latitude\")", True),
    ("cdr.cdr_location.id", True), ("cdr.cdr_location.postal_code", True),
    ("cdr.cdr_location.evse_uid", True),
    # what the row says of the site or charger, public and common alone, splits the
    # classes all the same: a joined location's parking type, floor level, connector
    # format and power named one driver per class of 5 (`test_k_anonymity_run.py`)
    ("location.connector.id", True), ("connector_id", True), ("location.time_zone", True),
    ("location.parking_type", True), ("location.evse.floor_level", True),
    ("location.connector.max_electric_power", True), ("location.party_id", False),
    # the tariff a CDR was billed under: a contract's type sets its drivers apart
    ("jmespath(\"cdr.tariffs[0].type\")", True), ("cdr.currency", False),
    # how many periods the charge had: public as a shape, and still how it ran
    ("jmespath(\"length(charging_periods || `[]`)\")", True),
    # a flag of the charge, rare in one value: 229 credit CDRs of 15,852 on the demo CPO,
    # each alone in its class of day and 2-digit area; a session's INVALID or PENDING
    ("cdr.credit", True), ("status", True), ("cdr.party_id", False)])
def test_every_column_naming_the_site_is_a_quasi_identifier(column: str, place: bool) -> None:
    """`location.id` is the site as `location_id` is: a k rule without `over` that left it
    out counted classes of hours alone and released a driver per (hour, site)."""
    from ocpispec.plan import ir

    spec = SPEC.replace("location.connector.standard as standard", f"{column} as site")
    spec = spec.replace("  join locations on location_id\n",
                        "  join locations on location_id\n  join cdrs on id\n")
    rule = _plan("  require k 5 suppression limit 2%\n", spec).datasets[0].step(ir.KAnonymity)
    assert ("site" in rule.over) is place


@pytest.mark.parametrize("column", [
    "cdr_token.party_id", "cdr_token.country_code", "cdr_token.type", "auth_method",
    "cdr.auth_method", "cdr.cdr_token.party_id"])
def test_the_card_s_emsp_type_and_authorisation_are_quasi_identifiers(column: str) -> None:
    """The reference rates them quasi-identifiers, kept only if k drivers share a value:
    a small fleet's or an employer's card issuer singles out its drivers. Public, a k
    rule without `over` left them out and released a class of one such driver."""
    from ocpispec.plan import ir

    spec = SPEC.replace("location.connector.standard as standard", f"{column} as card")
    spec = spec.replace("  join locations on location_id\n",
                        "  join locations on location_id\n  join cdrs on id\n")
    dataset = _plan("  require k 5 suppression limit 2%\n", spec).datasets[0]
    assert "card" in dataset.step(ir.KAnonymity).over
    assert next(c for c in dataset.columns if c.name == "card").privacy == "quasi-identifier"


def test_plans_without_a_rule_keep_their_fingerprint_shape() -> None:
    assert "k_anonymity" not in _plan("").to_json()


def test_the_privacy_summary_sees_the_rule_change() -> None:
    from ocpispec.privacy_summary import compare, summarise

    without, weak, strong = (summarise(_plan(rule)) for rule in (
        "", "  require k 3 over (started_hour)\n", "  require k 5 over (started_hour)\n"))
    assert [c.kind for c in compare(without, weak)] == ["strengthened"]
    assert [c.kind for c in compare(strong, weak)] == ["weakened"]
    assert [c.kind for c in compare(weak, without)] == ["weakened"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON_VALUES, max_size=5), st.lists(JSON_VALUES, max_size=5))
def test_class_digests_tell_classes_apart_as_class_keys_do(first, second) -> None:
    """A class is named by a digest of its JSON (or, where JSON cannot tell values
    apart, of `class_key`): two rows share a class exactly when their keys are equal."""
    for a, b in ((first, second), (first, list(first)), (second, [*second])):
        assert (class_digest(a) == class_digest(b)) == (class_key(a) == class_key(b)), (a, b)


def test_class_digests_keep_the_types_json_keeps() -> None:
    values = [[1], [1.0], [True], ["1"], [None], [float("nan")], [float("inf")], [2**70],
              [{"a": None}], [{"a": float("nan")}], [[1, "1"]], [-0.0], [0.0]]
    assert len({class_digest(v) for v in values}) == len(values)
    assert class_digest([{"b": 1, "a": 2}]) == class_digest([{"a": 2, "b": 1}])


def test_risk_words_count_one_class_and_name_a_release_without_quasi_identifiers() -> None:
    from ocpispec.disclosure.words import classes_text, sizes_text

    figures = {"quasi_identifiers": [], "counted_in": "rows", "rows": 1, "classes": 1,
               "smallest_class": 1, "classes_by_size": {"1": 1}, "rows_by_size": {"1": 1}}
    assert classes_text(figures) == ("no quasi-identifier is released: one class of 1 row, "
                                     "counted in rows")
    assert sizes_text(figures).startswith("k=1: 1 class (1 row), k=2–4: 0 classes (0 rows)")
    figures |= {"quasi_identifiers": ["started", "area"], "rows": 1200, "classes": 1,
                "smallest_class": 1200}
    assert classes_text(figures) == ("1 class of equal `started`, `area` over 1,200 rows, "
                                     "counted in rows; the smallest holds 1,200")


@settings(max_examples=40, deadline=None)
@given(ROWS)
def test_unicity_checked_a_few_candidates_at_a_time_stays_exact(rows) -> None:
    """The in-memory unicity check expands (sampled driver, other driver) pairs in
    batches; batches of three candidates give the figures of one batch and of SQL."""
    from ocpispec.disclosure import in_memory

    before = in_memory.MAX_CANDIDATES
    in_memory.MAX_CANDIDATES = 3
    try:
        small = _measure(rows)
    finally:
        in_memory.MAX_CANDIDATES = before
    assert small == _measure(rows)


_POINT_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3),
                          st.sampled_from([0.0, 1.0, -1.0, 2.5]), st.text(max_size=3),
                          st.lists(st.integers(0, 2), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_POINT_VALUES, min_size=1, max_size=3), min_size=1, max_size=30))
def test_remembered_point_names_are_the_names_computed_afresh(points):
    """The point memo keys by value, where a dict holds `1`, `1.0` and `True` as one key:
    every point, met in any order and again, is named as `class_key` names it."""
    from ocpispec.disclosure.risk_records import _digest, _point_name

    for point in points + points[::-1]:
        text = class_key(point).encode()
        assert _point_name(point) == (text, _digest(text))


_COLUMNS = ("place", "started", "kwh")
_ROW_VALUES = st.one_of(_POINT_VALUES, JSON_VALUES, st.floats(allow_nan=True),
                        st.sampled_from(["2025-01-01T10:00:00Z", "NL*ABC", "é"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(_COLUMNS), _ROW_VALUES, max_size=3),
                min_size=1, max_size=20),
       st.sampled_from([(_COLUMNS, ("place", "started")), (_COLUMNS, ()),
                        (("kwh",), ("kwh",)), (("started",), ()), ((), ())]))
def test_a_row_measured_in_one_call_gives_the_records_of_measured(rows, shape):
    """`row_measure` (the meter's per-row path, in a worker or here) stores of each row
    the bytes `measured` stores of its values, a column the row lacks read as null, a
    point met again (remembered) as the first time."""
    from ocpispec.disclosure.risk_records import measured, row_measure

    quasi, points = shape
    measure = row_measure(quasi, points)
    hidden, rank = Drivers().of(b"NL-EMS-C1")
    for row in rows + rows[::-1]:
        assert measure(hidden, rank, row) == measured(
            hidden, rank, [row.get(name) for name in quasi],
            [row.get(name) for name in points] if points else None), row


def test_a_driver_met_again_is_hidden_as_the_first_time_and_records_each_apart():
    drivers = Drivers()
    first = drivers.of(b"NL-EMS-C1")
    assert drivers.of(b"NL-EMS-C2") != first
    assert drivers.of(b"NL-EMS-C1") == first
    assert drivers.of(None) != drivers.of(None)  # a row counted as its own driver


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40))
def test_dense_ids_rank_as_both_words_do_also_when_first_words_collide(keys) -> None:
    """The figures sort digests by their first 64-bit word alone; two digests sharing it
    but not the second (never seen, possible) are ranked by both."""
    import numpy as np

    from ocpispec.disclosure import in_memory

    words = np.array(keys, dtype=np.uint64).reshape(-1, 2)
    assert in_memory._dense(words).tolist() == in_memory._ranks(words).tolist()


_TOKEN_VALUES = st.one_of(st.none(), st.sampled_from(["", "AD_HOC_USER", "ad_hoc_user", "RFID",
                                                      "NL-EMS-C1", "04E0B46A"]),
                          st.integers(-1, 1), st.lists(st.text(max_size=2), max_size=2),
                          st.dictionaries(st.sampled_from(["uid", "type"]), st.text(max_size=2),
                                          max_size=2))
_TOKEN = st.dictionaries(st.sampled_from(["uid", "type", "contract_id", "party_id"]), _TOKEN_VALUES,
                         max_size=4)
_WIRE = st.dictionaries(
    st.sampled_from(["cdr_token", "auth_id", "uid", "type", "contract_id", "id", "token"]),
    st.one_of(_TOKEN_VALUES, _TOKEN), max_size=5)


@settings(max_examples=200, deadline=None)
@given(_WIRE)
def test_the_fused_driver_reader_reads_each_wire_object_as_the_piped_one(wire) -> None:
    """The risk meter reads a row's driver through the normalizer fused into the driver
    expression (no neutral object built): the same driver, or the same error, as the
    normalizer's object piped into it, in every module and version that has drivers."""
    from ocpispec.execute.disclosure import _fused
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.jmes_compile import compile_expression
    from ocpispec.plan.datasets import DRIVER_PATHS, DRIVERS
    from ocpispec.schema import catalogue

    functions = custom_functions(b"k" * 32, "test")
    compile = lambda text: compile_expression(text, functions)  # noqa: E731
    for module, version in [(m, v) for m in DRIVERS for v in ("2.1.1", "2.2.1", "2.3.0")]:
        normalizer = catalogue().normalizer_expression(module, version, DRIVER_PATHS[module])
        fused = _fused(normalizer, DRIVERS[module], compile)
        assert fused is not None, (module, version)
        piped = compile(normalizer + " | " + DRIVERS[module])
        try:
            expected = piped(wire)
        except Exception as raised:  # noqa: BLE001 - the same error either way
            with pytest.raises(type(raised)):
                fused(wire)
            continue
        got = fused(wire)
        assert (got, type(got)) == (expected, type(expected)), (module, version, wire)


@settings(max_examples=300, deadline=None)
@given(_WIRE)
def test_the_plain_driver_reader_reads_each_wire_object_as_the_piped_one(wire) -> None:
    """Where the normalizer keeps the token's fields as they are, the driver is read in
    a few dict reads (`_plain_driver`): the same driver, of the same type, as the
    normalizer's object piped into the driver expression."""
    from ocpispec.execute.disclosure import _driver_reader, _plain_driver
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.jmes_compile import compile_expression
    from ocpispec.plan.datasets import DRIVER_PATHS, DRIVERS
    from ocpispec.schema import catalogue

    functions = custom_functions(b"k" * 32, "test")
    compile = lambda text: compile_expression(text, functions)  # noqa: E731
    for module, version in [(m, v) for m in DRIVERS for v in ("2.1.1", "2.2.1", "2.3.0")]:
        normalizer = catalogue().normalizer_expression(module, version, DRIVER_PATHS[module])
        plain = _plain_driver(normalizer, DRIVERS[module])
        assert (plain is None) == (version == "2.1.1"), (module, version)
        if plain is None:
            continue
        reader = _driver_reader(module, version, compile)
        expected = compile(normalizer + " | " + DRIVERS[module])(wire)
        for got in (plain(wire), reader(wire)):
            assert (got, type(got)) == (expected, type(expected)), (module, version, wire)
    assert plain(["not", "an", "object"]) is None


_MEASURED_SPEC = """export bench
  consumer "benchmark"
  purpose "throughput"
  legal basis public task "benchmark"
  retention 1 months
  pseudonym key env BENCH_KEY
source ocpi env URL token env TOKEN
from sessions
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
  auth_method
output csv to "bench.csv"
"""
_MEASURED_DATASET = None


@settings(max_examples=200, deadline=None)
@given(st.lists(_WIRE, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_a_worker_measures_each_row_as_its_hidden_driver_and_the_meter_would(
        tmp_path_factory, wires, random) -> None:
    """What a worker computes beside a row (`RowRisk.beside`: the driver's hidden pair
    read from the memo where the driver was met before) is the meter's records of the
    row and of its driver hidden afresh, whatever the driver's value and type, met once
    or again."""
    from ocpispec.check.compiler import compile_file
    from ocpispec.execute.disclosure import RowRisk
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.group_identity import driver_identity
    from ocpispec.execute.jmes_compile import compile_expression
    from ocpispec.plan.planner import plan as make_plan

    global _MEASURED_DATASET
    if _MEASURED_DATASET is None:  # planned once: planning costs more than the examples
        spec = tmp_path_factory.mktemp("spec") / "bench.ocx"
        spec.write_text(_MEASURED_SPEC)
        _MEASURED_DATASET = make_plan(compile_file(spec)).datasets[0]
    dataset = _MEASURED_DATASET
    functions = custom_functions(b"k" * 32, "test")
    risk = RowRisk(dataset, lambda text: compile_expression(text, functions), "2.2.1")
    beside = risk.beside()
    assert beside is not None and risk.rule is None
    rows = [{"driver": None, "started": "2025-01-01T10:00:00Z", "energy_kwh": 1.5,
             "auth_method": random.choice(["COMMAND", "WHITELIST", None])} for _ in wires]
    order = wires + wires[::-1] + random.sample(wires, len(wires))
    for wire, row in zip(order, rows + rows[::-1] + rows, strict=True):
        driver = risk.driver(wire)
        hidden = risk.drivers.of(driver_identity(driver))
        assert beside(wire, row) == risk._measure(*hidden, row), wire
