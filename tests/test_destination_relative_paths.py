"""A destination profile that names its key file and known_hosts by a relative path, as a
newcomer writes it beside the profile: docs/configuration.md says a relative path in a
file is relative to the folder of that file, so the run finds them from any working
directory (cron's, another project's), against a real OpenSSH server."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import test_delivery
from test_delivery import remote_files

# the delivery tests' fixtures: their demo CPO and a run of a spec delivering to a URL
server, deliver = test_delivery.server, test_delivery.deliver


def _beside_the_profile(sshd, tmp_path: Path) -> Path:
    folder = tmp_path / "config" / "destinations"
    (folder / "keys").mkdir(parents=True)
    shutil.copy(sshd.client_key, folder / "keys" / "client_key")
    (folder / "keys" / "client_key").chmod(0o600)
    shutil.copy(sshd.known_hosts, folder / "keys" / "known_hosts")
    return sshd.profile(tmp_path / "config", name="lab", key_file="keys/client_key",
                        known_hosts="keys/known_hosts")


def test_relative_paths_in_a_destination_profile_are_read_beside_it(
        deliver, sshd, tmp_path: Path) -> None:
    """The paths were read from the working directory (the repository here), so the run
    stopped with OCX596 'the key file `keys/client_key` ... does not exist', and a
    `known_hosts` of the same name in the working directory would have been trusted."""
    _beside_the_profile(sshd, tmp_path)
    result = deliver(f"sftp://lab{sshd.root}/x.csv")
    assert result.exit_code == 0, result.output
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]


def test_a_relative_key_file_that_is_missing_is_named_where_it_was_looked_for(
        deliver, sshd, tmp_path: Path, snapshot) -> None:
    profile = _beside_the_profile(sshd, tmp_path)
    (profile.parent / "keys" / "client_key").unlink()
    result = deliver(f"sftp://lab{sshd.root}/x.csv")
    assert result.exit_code == 1
    assert "OCX596" in result.stderr
    assert f"`{profile.parent / 'keys' / 'client_key'}`" in result.stderr
    # the caret's length follows the temporary folder's
    assert re.sub(r"\^+", "^", result.stderr.replace(str(tmp_path), "<tmp>")) == snapshot
