"""`sample 10%` lowered into the dataset's filter: `sampled(KEY, 'UNIT', 'PERCENT')`
over the neutral record (execute/samples.py), with the key's paths for the normalizer
and the words the plan, the manifest and the review show."""

from __future__ import annotations

from ocpispec.language import syntax

Path = tuple[str, ...]

# what identifies a record of each module, and the driver a charge names (contract
# first, as the minimum group size counts drivers)
_RECORD_KEY: dict[str, Path] = {"tokens": ("uid",)}
_DRIVER_KEYS: dict[str, tuple[Path, ...]] = {
    "sessions": (("cdr_token", "contract_id"), ("cdr_token", "uid")),
    "cdrs": (("cdr_token", "contract_id"), ("cdr_token", "uid")),
    "tokens": (("contract_id",), ("uid",)),
}


def sample_of(source: syntax.From) -> syntax.Sample | None:
    return source.samples[0] if source.samples else None


def key_paths(module: str, sample: syntax.Sample) -> tuple[Path, ...]:
    if _by_driver(sample):
        return _DRIVER_KEYS[module]
    return (_RECORD_KEY.get(module, ("id",)),)


def condition(module: str, sample: syntax.Sample) -> str:
    key = " || ".join(".".join(path) for path in key_paths(module, sample))
    unit = "drivers" if _by_driver(sample) else "records"
    return f"sampled({key}, '{unit}', '{sample.percent:g}')"


def words(module: str, sample: syntax.Sample) -> str:
    """`keep a keyed 10% sample of the sessions`."""
    what = "drivers (every record of each)" if _by_driver(sample) else f"the {module}"
    return f"keep a keyed {sample.percent:g}% sample of {what}"


def _by_driver(sample: syntax.Sample) -> bool:
    return sample.unit is not None and sample.unit.name == "drivers"
