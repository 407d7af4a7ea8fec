"""Every shipped spec against every platform deviation the demo CPO can show: a run
that exits 0 has delivered exactly what an honest platform gives (the same file, every
record of the window counted once against the demo world's truth); any other run fails
with nothing committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_helpers import has_state, pending, runs, state_dict
from test_run_e2e import SMALL_DEMO_CORPUS as CORPUS, profile_for, run_record, run_spec  # noqa: F401 (fixtures)

from ocpispec.demo import Faults
from ocpispec.timestamps import read_timestamp

FAULTS = {
    "ignore_date_filters": Faults(ignore_date_filters=True),
    "inclusive_date_to": Faults(inclusive_date_to=True),
    "exclusive_date_from": Faults(exclusive_date_from=True),
    "invalid_objects": Faults(invalid_objects=30),
    "ignore_offset": Faults(ignore_offset=True),
    "ignore_limit": Faults(ignore_limit=True),
    "mutate_mid_crawl": Faults(mutate_mid_crawl=5),
    "duplicate_objects": Faults(duplicate_objects=True),
    "no_pagination_headers": Faults(no_pagination_headers=True),
    "relative_next_link": Faults(relative_next_link=True),
    "foreign_next_link": Faults(foreign_next_link=True),
    "garbled_next_path": Faults(garbled_next_path=True),
    "next_link_loop": Faults(next_link_loop=True),
    "garbled_date_filters": Faults(garbled_date_filters=True),
    "empty_link_on_last": Faults(empty_link_on_last=True),
    "echo_limit": Faults(echo_limit=True),
    "unstable_order": Faults(unstable_order=True),
    "lowercase_ids": Faults(lowercase_ids=True),
    "naive_timestamps": Faults(naive_timestamps=True),
    "fractional_timestamps": Faults(fractional_timestamps=True),
    "unknown_fields": Faults(unknown_fields=True),
    "type_confused_values": Faults(type_confused_values=True),
    "session_kWh": Faults(session_kWh=True),
    "bad_utf8_object": Faults(bad_utf8_object=True),
    "deep_nesting_object": Faults(deep_nesting_object=True),
    "rate_limit_every": Faults(rate_limit_every=4, retry_after=0),
    "reset_every": Faults(reset_every=6),
    "cut_body_every": Faults(cut_body_every=5),
    "truncated_body": Faults(truncated_body=True),
    "malformed_body": Faults(malformed_body=True),
    "token_expires_after": Faults(token_expires_after=3),
}
# faults that leave records unusable or a crawl unprovable: the run fails, nothing committed
MAY_FAIL = {"invalid_objects", "ignore_offset", "type_confused_values", "bad_utf8_object",
            "deep_nesting_object", "truncated_body", "malformed_body", "next_link_loop",
            "token_expires_after"}
SERVER = {"version": "2.2.1", "size": 400, "max_page_size": 100}


def truth(server, module: str, window: dict) -> int:
    """How many objects the demo world holds in `[start, end)`."""
    def epoch(text: str | None) -> int | None:
        return None if text is None else int(read_timestamp(text).timestamp())

    listing = server.listings["2.2.1"][module]
    start, end = epoch(window["start"]), epoch(window["end"])
    if ", on " in window.get("rule", ""):  # `window on FIELD`: the superset that is fetched
        start, end = start - 86_400, None
    return listing.total(listing.window(start, end))


def lines(path: Path) -> list[str]:
    """The output's lines as a multiset: a refetched page may come later in the file (in
    a JSON array the last element has no comma, so commas at line ends are ignored)."""
    return sorted(line.rstrip(",") for line in path.read_text(encoding="utf-8").splitlines())


def committed(tmp_path: Path, out: str) -> list[str]:
    names = [out, f"{out}.manifest.json"]
    state = [f"state-{out}.json"] if has_state(tmp_path / f"state-{out}.json") else []
    return [name for name in names if (tmp_path / name).exists()] + state + \
        [path.name for path in tmp_path.glob(f".{out}.*")]


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem.removesuffix("_without_k"))
def test_no_run_exits_0_having_lost_records(run_spec, profile_for, demo_server_factory,
                                            tmp_path: Path, spec: Path) -> None:
    honest = demo_server_factory(**SERVER)
    profile_for("cpo_production", honest)
    baseline = run_spec(spec, honest, "-q", out="honest")
    assert baseline.exit_code == 0, baseline.stderr
    expected = lines(tmp_path / "honest")
    record = run_record(tmp_path)["datasets"][0]
    assert record["counts"]["read"] == truth(honest, record["module"], record["window"]) > 0

    outcomes: dict[str, str] = {}
    for name, faults in FAULTS.items():
        server = demo_server_factory(**SERVER, faults=faults)
        profile_for("cpo_production", server)
        before = len(list((tmp_path / "runs").glob("*/*.json")))
        result = run_spec(spec, server, "-q", out=name)
        if result.exit_code != 0:
            assert result.exit_code == 1, (name, result.stderr)
            assert "error[OCX5" in result.stderr, (name, result.stderr)
            assert committed(tmp_path, name) == [], name
            assert len(list((tmp_path / "runs").glob("*/*.json"))) == before
            outcomes[name] = "failed, nothing committed"
            continue
        assert lines(tmp_path / name) == expected, f"{name}: output differs"
        counts = run_record(tmp_path)["datasets"][0]["counts"]
        delivered = counts["read"] - counts["outside_window"]
        in_window = record["counts"]["read"] - record["counts"]["outside_window"]  # `window on`
        assert delivered == in_window, f"{name}: {delivered} records in the window"
        assert not counts["invalid"], name
        if not counts["groups"]:  # every record in the window is accounted for
            assert delivered == counts["excluded_private"] + counts["filtered"] + \
                counts["written"], name
        manifest = json.loads((tmp_path / f"{name}.manifest.json").read_text())
        assert not {"invalid_records", "incomplete_crawl"} & set(manifest["deviations_accepted"]), name
        outcomes[name] = "complete"
    assert outcomes["invalid_objects"] == "failed, nothing committed"
    if record["counts"]["read"] > 2 * SERVER["max_page_size"]:  # more pages than the token lived
        assert outcomes["token_expires_after"] == "failed, nothing committed"
    assert all(outcome == "complete" for name, outcome in outcomes.items()
               if name not in MAY_FAIL), outcomes


def test_following_next_links_one_page_at_a_time_loses_nothing_either(
        run_spec, demo_server_factory, tmp_path: Path) -> None:
    """`--concurrency 1` pages by next link instead of by offset: the same verdicts."""
    spec = CORPUS[[p.stem for p in CORPUS].index("municipality_sessions_without_k")]
    honest = demo_server_factory(**SERVER)
    assert run_spec(spec, honest, "-q", "--concurrency", "1", out="honest").exit_code == 0
    expected = lines(tmp_path / "honest")
    for name, faults in FAULTS.items():
        server = demo_server_factory(**SERVER, faults=faults)
        result = run_spec(spec, server, "-q", "--concurrency", "1", out=name)
        if result.exit_code != 0 and name in MAY_FAIL:
            assert result.exit_code == 1 and committed(tmp_path, name) == [], name
        else:
            assert result.exit_code == 0, (name, result.stderr)
            assert lines(tmp_path / name) == expected, name
