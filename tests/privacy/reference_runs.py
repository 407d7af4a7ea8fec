"""What the tests of a platform's own references share: the head of a spec that releases
them (`reference_spec`), the justification an officer approves for them, and everything a
run wrote, to look for a driver's card in (`run_writings`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

KEY = "3f9a6c2e8b1d4f70a5c3e9b2d6f8a1c4e7b0d3f6a9c2e5b8d1f4a7c0e3b6d9f2"
REFERENCE_WHY = 'because "the platform\'s reference, matched against the CPO\'s own records"'


def reference_spec(name: str) -> str:
    """The head of an export named `name` that keys its pseudonyms with `JOIN_KEY`."""
    return f"""export {name}
  consumer "Test consumer"
  purpose "Charges with the platform's references"
  legal basis public task "test"
  retention 1 months
  pseudonym key env JOIN_KEY
source profile default
"""


def run_writings(folder: Path, *results: Any) -> str:
    """The standard streams of `results` and every file under `folder` but the specs."""
    streams = [text for result in results for text in (result.stdout, result.stderr)]
    return "\n".join([*streams, *(path.read_bytes().decode("utf-8", "replace") for path in folder.rglob("*")
                                  if path.is_file() and path.suffix != ".ocx")])


def run_on(run_cli: Any, cpo: Any, spec_file: Path, spec: str, *options: str) -> Any:
    """`spec`, written to `spec_file`, run against the test CPO `cpo` as party NL-ABC."""
    assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC").exit_code == 0
    spec_file.write_text(spec)
    return run_cli("run", str(spec_file), *options)
