"""Where a signed approval is demanded, a record nobody signed says nothing of what was
approved (adversarial review, round four).

The attack: whoever may write the approvals folder but holds no officer's key edits a
signed-approved spec (an exact start time instead of the hour) and adds an unsigned
record of the new version under the officer's name (`approve` with any key, then the
`.sig` deleted). The run refused it, but every text that tells the officer what they
are asked to sign (the review, `approvals`, the run's refusal) compared the spec with
that forged record: "an approval of this fingerprint exists", and no change listed. The
officer signed the weakened column without being shown it. Now, where signatures are
demanded, only a record whose signature verifies is what was approved: the changes are
listed against the officer's last signed version.
"""

from __future__ import annotations

import re
from pathlib import Path

import fixtures_demo
import test_approvals
from test_approvals import PAT, RAW_START, SPEC, _edit, _run, needs_ssh_keygen

# the approvals tests' fixtures: a spec demanding approval, keys, the demo CPO
workdir, keys, server = test_approvals.workdir, test_approvals.keys, test_approvals.server
demo_server_factory = fixtures_demo.demo_server_factory

WEAKENED = "weakened: column `started_hour`"


def _forged(run_cli, workdir: Path, keys) -> None:
    """The spec signed-approved by Pat, then weakened, with an unsigned record of the
    weakened version under Pat's name."""
    _edit(workdir / SPEC, "requires approval", "requires signed approval")
    assert run_cli("approve", SPEC, "--by", PAT, "--sign-key", str(keys["pat"])).exit_code == 0
    _edit(workdir / SPEC, *RAW_START)
    assert run_cli("approve", SPEC, "--by", PAT, "--sign-key",
                   str(keys["mallory"])).exit_code == 0
    folder = workdir / "specs" / "sessions.ocx.approvals"
    newest = sorted(folder.glob("*.toml.sig"))[-1]
    newest.unlink()


@needs_ssh_keygen
def test_a_forged_unsigned_record_hides_no_change(run_cli, workdir: Path, keys, server,
                                                  snapshot) -> None:
    _forged(run_cli, workdir, keys)
    signers = {"OCPISPEC_ALLOWED_SIGNERS": str(keys["signers"])}
    refused = _run(run_cli, server, env=signers)
    assert refused.exit_code == 1 and "OCX610" in refused.stderr
    assert WEAKENED in refused.stderr
    assert server.request_log == []
    listed = run_cli("approvals", SPEC, env=signers)
    assert WEAKENED in listed.stdout
    review = run_cli("review", SPEC, "-o", "review.html", env=signers)
    assert review.exit_code == 0, review.output
    page = (workdir / "review.html").read_text()
    assert "started_hour" in page and "weakened" in page
    # without the allowed signers, no record is vouched for: nothing to compare with
    unchecked = run_cli("review", SPEC, "--format", "markdown")
    assert unchecked.exit_code == 0, unchecked.output
    said = " ".join(unchecked.stdout.split())
    assert "no record whose signature verifies to compare it with" in said
    assert "Changed since" not in said
    notes = [re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{12}", "<record>", line.strip())
             for line in refused.stderr.splitlines() if "note" in line]
    assert notes == snapshot
