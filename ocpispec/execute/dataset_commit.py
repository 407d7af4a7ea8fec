"""What a dataset's run does once every dataset of the plan succeeded: its output and
manifest staged for the executor's commit, or discarded; and the result it reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec import __version__
from ocpispec.plan import ir
from ocpispec.execute.atomic import AtomicFile
from ocpispec.execute.dataset_result import DatasetResult, Estimate
from ocpispec.execute.records import accepted_deviations, consumer_manifest, shown_export


class DatasetCommit:
    """A mixin of `DatasetRun` (its plan, dataset, output, counts, risk, window and
    options)."""

    def stage(self, version: str) -> list[AtomicFile]:
        """The output and its manifest, complete and fsynced under temporary names;
        the executor publishes them (`journal.commit`)."""
        return self.output.stage(lambda: self._manifest(version))

    def manifest(self) -> Path | str | None:
        return self.output.manifest_path()

    def discard(self) -> None:
        if self.risk is not None:
            self.risk.close()
        self.output.discard()
        self.lookups.discard()

    def _manifest(self, version: str) -> dict[str, Any]:
        return consumer_manifest(
            self.plan, self.dataset, tool=f"ocpispec {__version__}",
            export=shown_export(self.plan), spec_sha256=self.options.spec_sha256,
            output=self.output.described(self.counts.written), version=version,
            run_at=self.now.strftime("%Y-%m-%dT%H:%M:%SZ"), window=self.window,
            accepted=accepted_deviations(self.counts, self.policy, self.invalid_accepted,
                                         self.incomplete_accepted),
            sample=self.options.limit) | self.manifest_extra | \
            (self.risk.manifest() if self.risk is not None else {})

    def _result(self, estimate: Estimate | None) -> DatasetResult:
        return DatasetResult(self.dataset.name, self.dataset.module, self.output.render.format,
                             self.dataset.column_names, self.target.display, None, self.counts,
                             self.window, self.dataset.withheld_count, estimate,
                             tuple(self.warnings), self.invalid_accepted,
                             self.incomplete_accepted,
                             self.risk.result() if self.risk is not None else None,
                             _sampled(self.dataset))


def _sampled(dataset: ir.Dataset) -> bool:
    return any(step.sample for step in dataset.all(ir.Filter))
