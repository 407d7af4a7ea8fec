"""`sample 10%` and `sample 10% of drivers`: a keyed random share of a dataset's records
(plan/sample.py). One per dataset, a share strictly between 0 and 100 percent, of the
records or of the drivers, and under the header's pseudonym key, which keeps the sample
out of anyone's hands but the CPO's: without it a consumer could tell which records a
sample holds, and a rerun could not promise the same ones."""

from __future__ import annotations

from ocpispec.check.context import Context
from ocpispec.diagnostics import Diagnostic, Label, Severity, error
from ocpispec.language import syntax

DRIVEN = ("sessions", "cdrs", "tokens")  # the modules whose records name a driver


def check_samples(spec: syntax.Spec, ctx: Context) -> None:
    keyed = bool(spec.header.pseudonym_keys)
    for dataset in spec.datasets:
        source = dataset.source
        for sample in source.samples[:1]:
            _check_sample(sample, source.module.name, ctx)
            if not keyed:
                ctx.emit(_unkeyed(sample))
        if len(source.samples) > 1:
            ctx.emit(Diagnostic(
                "OCX262", Severity.ERROR, "a dataset takes one sample",
                (Label(source.samples[1].span, "second sample"),
                 Label(source.samples[0].span, "first sample", False)),
                notes=["two samples would keep the records both keep: a share of a share"],
                help=f"write one `sample` with the share you want, e.g. `sample "
                     f"{_percent(source.samples[0].percent * source.samples[1].percent / 100)}%`"))


def units(module: str) -> tuple[str, ...]:
    """What a dataset of `module` may sample: its records, and the drivers of a charge."""
    return (module, "drivers") if module in DRIVEN else (module,)


def _check_sample(sample: syntax.Sample, module: str, ctx: Context) -> None:
    if not 0 < sample.percent < 100:
        ctx.emit(error("OCX262", f"a sample of {_percent(sample.percent)}% keeps "
                       + ("every record" if sample.percent >= 100 else "no record"),
                       sample.percent_span, "a share strictly between 0% and 100%",
                       notes=["`sample P%` keeps the records whose keyed hash falls in that "
                              "share of all hashes"],
                       help="leave the sample out to deliver every record"
                       if sample.percent >= 100 else "write the share, e.g. `sample 10%`"))
    if sample.unit is not None and sample.unit.name not in units(module):
        ctx.emit(error("OCX262", f"a `{module}` dataset cannot sample `{sample.unit.name}`",
                       sample.unit.span, "not what is sampled",
                       notes=[f"a `{module}` dataset samples its records (`sample "
                              f"{_percent(sample.percent)}%`)" + (
                                  ", or its drivers with all of their records (`of drivers`)"
                                  if module in DRIVEN else "")],
                       help=f"write `of {units(module)[-1]}`"))


def _unkeyed(sample: syntax.Sample) -> Diagnostic:
    return error("OCX261", "a sample needs the pseudonym key", sample.span,
                 "drawn with a secret key",
                 notes=["a sample keeps the records whose keyed hash falls in its share: the "
                        "same records on every run under the key, and no one without it can "
                        "tell which records those are"],
                 help="add `pseudonym key env OCX_PSEUDONYM_KEY` (or `pseudonym key profile "
                      "NAME`) to the header")


def _percent(value: float) -> str:
    return f"{value:g}"
