"""A market-research firm takes an incremental daily NDJSON feed, delivered by SFTP
(tests/specs/consumers/daily_feed_ndjson_sftp.ocx). Three daily runs against the demo
CPO deliver every completed session at a published site exactly once, as `ocpispec get`
lists them; the feed's columns load typed in pandas."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


from consumer_runs import demo_cpo, dump, half_up, published, run_spec
from fixtures_cli import REPO

SPEC = REPO / "tests" / "specs" / "consumers" / "daily_feed_ndjson_sftp.ocx"
RUNS = ("2025-12-29T03:00:00Z", "2025-12-30T03:00:00Z", "2025-12-31T03:00:00Z")


server = demo_cpo("2.2.1", 2000)


def _row(session: dict, site: dict) -> tuple:
    evse = next(e for e in site["evses"] if e["uid"] == session["evse_uid"])
    connector = next(c for c in evse["connectors"] if c["id"] == session["connector_id"])
    return (session["start_date_time"][:13], session["end_date_time"][:13],
            half_up(session["kwh"]), site["postal_code"][:4], connector["standard"])


def test_each_completed_session_reaches_the_feed_once(run_cli, tmp_path: Path, server) -> None:
    import pandas as pd

    delivered: list[tuple] = []
    for at, as_of in enumerate(RUNS):
        out = tmp_path / f"feed-{at}.ndjson"
        run_spec(run_cli, SPEC, server, out, as_of=as_of)
        frame = pd.read_json(out, lines=True, dtype={"postal_area": str})
        if len(frame):
            assert frame["energy_kwh"].dtype == "float64"
        for line in out.read_text().splitlines():
            row = json.loads(line)
            delivered.append((row["started_hour"][:13], row["ended_hour"][:13],
                              row["energy_kwh"], row["postal_area"], row["connector"]))
        manifest = json.loads(Path(f"{out}.manifest.json").read_text())
        assert manifest["window"]["end"] == as_of
    sites = published(run_cli, server)
    expected = [_row(session, sites[session["location_id"]])
                for session in dump(run_cli, server, "sessions")
                if session["location_id"] in sites and session["status"] == "COMPLETED"
                and session["last_updated"] < RUNS[-1]]
    assert len(expected) > 1500
    assert Counter(delivered) == Counter(expected)
