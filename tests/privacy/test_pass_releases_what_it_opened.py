"""The summary of `get` names as released by `--privacy-pass` only what the pass let out,
and says what it withheld of the charges printed in their private form (adversarial
review, round 27).

`get sessions --privacy-pass kwh,id` said "released by --privacy-pass: id, kwh": a
reader took `kwh` for a field `get` withholds, and one released here; it is public at its
place, the pass opened nothing (as `currency` of `get tariffs` and `time_zone` of `get
locations`). The paths that opened nothing are now said apart. And
`get sessions --include-private` printed the charges at homes in their private form with
no line saying so or what the form withheld (the private sites and a home's tariffs had
one)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ocpispec.cli.get_withheld import PRIVATE_CHARGE
from ocpispec.demo import DemoServer
from ocpispec.ocpi.private_form import PRIVATE_FORMS
from ocpispec.ocpi.site_details import site_detail_paths
from ocpispec.schema import catalogue

DATE_TO = ("--date-to", "2026-01-01")
_LINE = re.compile(r"^  (released by|opened by|charges at private sites|embedded locations).*$",
                   re.MULTILINE)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=150, max_page_size=40) as started:
        yield started


def _get(run_cli, server: DemoServer, *args: str):
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr
    got = run_cli("get", *args, *DATE_TO)
    assert got.exit_code == 0, got.stderr
    return got


@pytest.mark.parametrize("args", [
    ("sessions", "--privacy-pass", "kwh,id"),
    ("sessions", "--include-private"),
    ("sessions", "--include-private", "--privacy-pass", "kwh,currency"),
    ("cdrs", "--include-private", "--privacy-pass", "total_energy,cdr_token.uid"),
    ("cdrs", "--include-private", "--privacy-pass", "."),
    ("tariffs", "--include-private", "--privacy-pass", "currency,id"),
    ("locations", "--include-private", "--privacy-pass", "time_zone,evses.uid"),
    ("locations", "--privacy-pass", "time_zone,address"),
])
def test_the_summary_says_what_the_pass_released(run_cli, server, args, snapshot) -> None:
    got = _get(run_cli, server, *args)
    said = [match.group(0) for match in _LINE.finditer(got.stderr)]
    assert "\n".join(said) == snapshot


@pytest.mark.parametrize(("module", "public", "opening"), [
    ("sessions", "currency", "id"),
    ("tariffs", "currency", "id"),
    ("locations", "time_zone", "evses.uid"),
])
def test_a_path_said_public_without_the_pass_opens_nothing(run_cli, server, module, public,
                                                           opening) -> None:
    both = _get(run_cli, server, module, "--include-private", "--privacy-pass", f"{public},{opening}")
    assert f"opened by --privacy-pass, public without it: {public}\n" in both.stderr
    assert f"released by --privacy-pass: {opening}\n" in both.stderr
    alone = _get(run_cli, server, module, "--include-private", "--privacy-pass", opening)
    assert both.stdout == alone.stdout


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_the_charge_line_names_every_field_the_private_form_withholds(version, module) -> None:
    """Each field of a charge that its private form does not keep is a word of the line,
    or a detail of its embedded site (said on the "embedded locations" line)."""
    cat = catalogue()
    said = {field for _, fields in PRIVATE_CHARGE for field in fields} | site_detail_paths(module)
    unsaid: list[str] = []

    def walk(object_name: str, keep: dict, prefix: str) -> None:
        for name, field in cat.wire_object(version, object_name).fields.items():
            path = prefix + name
            if name in keep and keep[name] is None:
                continue                # kept whole
            if any(path == word or path.startswith(word + ".") for word in said):
                continue
            if name in keep and field.object is not None:
                walk(field.object, keep[name], path + ".")
            else:
                unsaid.append(path)

    walk(cat.wired[version].roots[module], PRIVATE_FORMS[module], "")
    assert unsaid == []
