"""What a run needs before its first request, shared by `run` and by `--follow`'s
pre-flight check (`run_control`): the pseudonym key and whether the plan keeps state."""

from __future__ import annotations


def pseudonym_key(plan, demo: bool, env: dict[str, str]):
    """The run's key (never shown) and the notes that go with it."""
    from ocpispec.execute.keys import resolve_key
    from ocpispec.execute.sources import profile_pseudonym_key

    reference = plan.pseudonym_key
    key = resolve_key(reference, env=env, demo=demo,
                      span=reference.origin if reference else None,
                      profile_key=lambda name: profile_pseudonym_key(name, env),
                      source=tuple(ref.name for ref in (plan.source.versions_url,
                                                        plan.source.token)
                                   if ref is not None and ref.kind == "env"),
                      known=(plan.export.name, plan.export.consumer or ""))
    notes = []
    if key.description == "the public demo key":
        variable = f"`{reference.name}`" if reference.kind == "env" else "a pseudonym key"
        notes.append(f"using the public demo key; set {variable} for pseudonyms of your own")
    return key, notes


def uses_state(plan) -> bool:
    """Whether a dataset has a `since last run` window."""
    from ocpispec.plan import ir

    return any(d.step(ir.Fetch).window.incremental for d in plan.datasets)
