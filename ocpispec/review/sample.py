"""`review --sample`: a few rows produced by running the plan against the built-in
demo CPO, so that the officer sees what a row looks like.

The demo CPO's data is synthetic; the rows are pseudonymised with the public demo
key. Nothing is written and no state is kept: the output is rendered as NDJSON into
memory, no manifest, run record or state file is made, and the demo server stops
when the sample is taken.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

from ocpispec.plan import ir
from ocpispec.review.model import Sample, SampleTable

SAMPLE_ROWS = 10
SAMPLE_RECORDS = 400      # records read per row-level dataset (filters may drop some)
DEMO_SIZE = 5_000         # sessions the demo CPO holds for a sample
NOTE = ("These rows were produced by running this plan against the built-in demo CPO, "
        "whose charging data is invented; pseudonyms use the public demo key. They show "
        "the form of a row, not real data. Nothing was written and no state was kept.")


def demo_sample(plan: ir.Plan, spec_dir: Path, *, rows: int = SAMPLE_ROWS) -> Sample:
    """Up to `rows` rows per dataset. Raises the executor's RunError or OcpiError."""
    from ocpispec.demo.world import data_end
    from ocpispec.demo import DemoServer
    from ocpispec.execute import RunOptions, execute
    from ocpispec.execute.keys import resolve_key
    from ocpispec.execute.sources import DEMO_PARTY
    from ocpispec.ocpi import Credentials, OcpiClient

    tables = []
    for dataset in plan.datasets:
        single = _to_memory(plan, dataset)
        key = resolve_key(plan.pseudonym_key, env={}, demo=True, span=None,
                          profile_key=lambda name: None)
        limit = None if dataset.step(ir.Aggregate) is not None else SAMPLE_RECORDS
        options = RunOptions(out="-", limit=limit, use_state=False, spec_dir=spec_dir,
                             now=data_end(), runs_dir=None)
        captured = io.StringIO()
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(DemoServer(versions=_versions(plan), size=DEMO_SIZE))
            credentials = Credentials(server.versions_url, server.token, party=DEMO_PARTY)

            def connect():
                return stack.enter_context(OcpiClient.connect(credentials))

            with contextlib.redirect_stdout(captured):
                execute(single, key=key.secret, connect=connect, options=options)
        tables.append(_table(dataset, captured.getvalue(), rows))
    return Sample(NOTE, tuple(tables))


def _versions(plan: ir.Plan) -> tuple[str, ...]:
    """The versions the demo serves: the spec's pinned one, else all it knows."""
    from ocpispec.demo import SUPPORTED_VERSIONS

    pinned = plan.source.version
    return (pinned,) if pinned in SUPPORTED_VERSIONS else tuple(SUPPORTED_VERSIONS)


def _to_memory(plan: ir.Plan, dataset: ir.Dataset) -> ir.Plan:
    """The plan with only `dataset`, rendered as NDJSON to standard output (captured)."""
    steps = tuple(dataclasses.replace(step, format="ndjson", destination=None, template=None,
                                      templates=(), geometry=None)
                  if isinstance(step, ir.Render) else step for step in dataset.steps)
    return dataclasses.replace(plan, datasets=(dataclasses.replace(dataset, steps=steps),))


def _table(dataset: ir.Dataset, ndjson: str, rows: int) -> SampleTable:
    columns = dataset.column_names
    found = []
    for line in ndjson.splitlines()[:rows]:
        record = json.loads(line)
        found.append(tuple(_cell(record.get(name)) for name in columns))
    return SampleTable(dataset.name, columns, tuple(found))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"latitude", "longitude"}:
        return f"{value['latitude']}, {value['longitude']}"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
