"""A dataset's output file: the template it renders with, the rows rendered into a
temporary file as they stream, and the file staged with its manifest and data package
once every dataset succeeded (the executor publishes them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ocpispec.execute import writers
from ocpispec.execute.atomic import AtomicFile
from ocpispec.execute.client import RunError
from ocpispec.execute.fused_rows import Fused, MeterParts, fused_row
from ocpispec.execute.keyed_lines import Keyed, keyed_liner, slow_keyed
from ocpispec.execute.output_failures import output_failed, removed_meanwhile
from ocpispec.execute.outputs import (
    HashingFile,
    Target,
    compression_of,
    manifest_path,
    stage_datapackage,
    stage_manifest,
)
from ocpispec.execute.records import shown_export
from ocpispec.execute.value_order import Rank
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.execute.workbook_about import about_rows
from ocpispec.plan import ir
from ocpispec.render import CustomTemplate, RenderContext, RenderError, render, verify_template
from ocpispec.render.confine import templates_root
from ocpispec.render.values import CsvLines
from ocpispec.stdout_sink import HeldStdout


class DatasetOutput:
    def __init__(self, plan: ir.Plan, dataset: ir.Dataset, target: Target, now: datetime) -> None:
        self.plan, self.dataset, self.target, self.now = plan, dataset, target, now
        self.render: ir.Render = dataset.step(ir.Render)
        self.file: HashingFile | None = None
        self.template: CustomTemplate | None = None
        self.staged: list[AtomicFile] = []
        self.held: HeldStdout | None = None     # the output to stdout, until `stage`

    def require_libraries(self) -> None:
        """Make sure a Parquet or compressed output can be written."""
        writers.require_libraries(self.render, self.target)

    def find_template(self, spec_dir: Any) -> None:
        if not self.render.template:
            return
        digests = {item.path: item.sha256 for item in self.render.templates}
        written = (self.target.path.name if self.target.path is not None
                   else self.render.destination)
        self.template = CustomTemplate(templates_root(spec_dir), self.render.template,
                                       digests, written)
        try:
            verify_template(self.template)
        except RenderError as exc:
            raise RunError.of("OCX555", str(exc), self.render.origin, "named here",
                              notes=("templates are found relative to the spec file",),
                              help="check the spec again; the run reads only the "
                                   "template files `ocpispec check` read") from None

    def write(self, rows: Iterable[dict], version: str, window: ResolvedWindow) -> int:
        """Renders the rows into the output's temporary file (or stdout); the rows written."""
        rows = writers.numeric_points(rows, self.dataset)
        rows = writers.numbers_in_range(rows, self.dataset, self.render)
        if self.render.format in ("ndjson", "json", "geojson", "parquet"):
            rows = writers.empty_texts_as_null(rows, self.dataset)
        if self.render.format in ("parquet", "xlsx"):
            return self._write_binary(rows, version, window)
        context = RenderContext(self.dataset.column_names, shown_export(self.plan),
                                self._run_values(version, window), self.render.geometry,
                                self.render.dialect)
        if self.target.path is None:
            self.held = HeldStdout()
            out: Any = writers.text_stdout(self.held)
        else:
            try:
                self.file = HashingFile(self.target.path, compression_of(self.target))
            except OSError as exc:
                raise output_failed(self.target, exc) from None
            out = self.file
        try:
            written = render(self.render.format, rows, context, out, template=self.template)
            if self.file is None:  # stdout: held until `stage`
                out.flush()
            return written
        except RenderError as exc:
            raise RunError.of("OCX555", str(exc), self.render.origin, "template named here",
                              help="fix the template; it sees only `rows`, `columns`, "
                                   "`export` and `run`") from None
        except OSError as exc:
            raise output_failed(self.target, exc) from None

    def rendered_beside(self, filled: Callable[[dict], int]
                        ) -> Callable[[dict], tuple[str, int] | None] | None:
        """For a built-in CSV output: what a worker process sends instead of a row, its
        CSV line as `write` would render it (points made numbers, the same dialect) and
        the columns it fills (`EmptyColumns.filled`), or None for a row beyond the
        number range, which goes to the parent as it is to stop the run there
        (`writers.numbers_in_range`). None for any other output."""
        if self.render.format != "csv" or self.render.template:
            return None
        points = writers.point_maker(self.dataset)
        beyond = writers.range_check(self.dataset)
        line = CsvLines(self.dataset.column_names, self.render.dialect).liner()

        def rendered(row: dict) -> tuple[str, int] | None:
            bits = filled(row)  # before the points, as `EmptyColumns.watch` sees the row
            if points is not None:
                row = points(row)
            if beyond is not None and beyond(row) is not None:
                return None
            return line(row), bits

        return rendered

    def keyed_beside(self, rendered: Callable[[dict], tuple[str, int] | None] | None,
                     order: Callable[[dict], bytes] | None, ranks: Mapping[str, Rank]
                     ) -> Keyed | None:
        """`order` and `rendered` (`rendered_beside`) of a row in one generated function
        (`keyed_lines`), or None where it does not apply: no line or no key beside the
        rows, a point column, a dialect whose lines are not written plainly."""
        if rendered is None or order is None or writers.point_maker(self.dataset) is not None:
            return None
        columns = self.dataset.column_names
        return keyed_liner(columns, ranks, CsvLines(columns, self.render.dialect),
                           writers.number_columns(self.dataset), slow_keyed(order, rendered),
                           writers.LARGEST_WHOLE)

    def fused_beside(self, keyed: Keyed | None, bare: tuple[Callable[[dict], Any], Any] | None,
                     counts: Any, ranks: Mapping[str, Rank], meter: MeterParts | None
                     ) -> Fused | None:
        """The pipeline's record (`bare`, `Pipeline.bare`), the meter's part (`meter`) and
        `keyed` of a wire record in one generated function (`fused_rows`), or None where
        `keyed` is None (or `bare`)."""
        if keyed is None or bare is None:
            return None
        columns = self.dataset.column_names
        return fused_row(bare, counts, columns, ranks, CsvLines(columns, self.render.dialect),
                         writers.number_columns(self.dataset), writers.LARGEST_WHOLE, meter)

    def _write_binary(self, rows: Iterable[dict], version: str, window: ResolvedWindow) -> int:
        try:
            if self.target.path is None:
                self.held = HeldStdout()
            self.file, sink = writers.open_binary(self.target, self.held)
            if self.render.format == "xlsx":
                about = about_rows(shown_export(self.plan), self.dataset, self.plan, window,
                                   version, self.now,
                                   self.target.path.name if self.target.path else None)
                written = writers.write_xlsx(rows, self.dataset, self.render, sink, about)
            else:
                written = writers.write_parquet(rows, self.plan, self.dataset, self.render,
                                                sink, shown_export(self.plan), version)
            if self.file is None:  # stdout: held until `stage`
                sink.flush()
            return written
        except OSError as exc:
            raise output_failed(self.target, exc) from None

    def _run_values(self, version: str, window: ResolvedWindow) -> dict[str, Any]:
        now = self.now
        return {"date": now.strftime("%Y-%m-%d"), "time": now.strftime("%H:%M:%S"),
                "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "window_start": window.date_from, "window_end": window.date_to,
                "ocpi_version": version, "plan_fingerprint": self.plan.short_fingerprint}

    def described(self, rows: int) -> dict[str, Any]:
        """The output as its manifest describes it."""
        return {"file": self.target.path.name if self.target.path else None,
                "format": self.render.format,
                "sha256": self.file.sha256.hexdigest() if self.file else None,
                **writers.encoding(self.render, self.target, self.file),
                "rows": rows}

    def stage(self, manifest: Callable[[], dict[str, Any]]) -> list[AtomicFile]:
        """The output, its manifest (`manifest()` makes it, once the file is finished)
        and its data package, complete and fsynced under temporary names. Output to
        stdout, held while the run read and judged (`stdout_sink.HeldStdout`), is
        written here: every byte out before the commit, or no commit."""
        if self.file is None:
            if self.held is not None:
                try:
                    self.held.release()
                except OSError as exc:
                    raise output_failed(self.target, exc) from None
                finally:
                    self.held = None
            return []
        try:
            self.file.finish()
            if not self.file.file.still_there():
                raise removed_meanwhile(self.target, self.file.file.temp)
            # published in this order: the manifest last, so a consumer that waits for
            # it finds the data file and its data package there (as on a server)
            self.staged = [self.file.file]
            self.staged.append(stage_datapackage(self.file.file.path, writers.package_of(
                self.plan, self.dataset, self.render, self.target, shown_export(self.plan),
                self.now, self.file)))
            self.staged.append(stage_manifest(self.file.file.path, manifest()))
        except OSError as exc:
            raise output_failed(self.target, exc) from None
        return self.staged

    def manifest_path(self) -> Path | str | None:
        if self.file is None:
            return None
        if self.target.remote is not None:
            return self.target.remote.url + ".manifest.json"
        return manifest_path(self.file.file.path)

    def discard(self) -> None:
        if self.held is not None:
            self.held.drop()
            self.held = None
        if self.file is not None:
            self.file.file.discard()
        for file in self.staged:
            file.discard()
