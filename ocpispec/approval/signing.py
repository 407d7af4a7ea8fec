"""SSH signatures of approval records, the way git signs commits: `ssh-keygen -Y sign`
with the namespace `ocpispec-approval`, verified with `ssh-keygen -Y verify` against
an `allowed_signers` file the CPO keeps (one line per officer:
`pat@cpo.example namespaces="ocpispec-approval" ssh-ed25519 AAAA...`).

The signing key comes from `--sign-key` or `OCPISPEC_SIGNING_KEY`; the allowed signers
from `--allowed-signers` or `OCPISPEC_ALLOWED_SIGNERS`. ssh-keygen's own output is never
passed on verbatim (it names key files and fingerprints of this machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ocpispec import secret_refs

NAMESPACE = "ocpispec-approval"
ENV_SIGNING_KEY = "OCPISPEC_SIGNING_KEY"
ENV_ALLOWED_SIGNERS = "OCPISPEC_ALLOWED_SIGNERS"
_TIMEOUT = 60


class SigningError(Exception):
    """ssh-keygen could not sign; `help` says what to do."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str  # `verified as EMAIL`, or why not


def signing_key(option: Path | None, env: Mapping[str, str]) -> Path | None:
    if option is not None:
        return option
    value = env.get(ENV_SIGNING_KEY, "").strip()
    return Path(value) if value else None


def allowed_signers(option: Path | None, env: Mapping[str, str]) -> Path | None:
    if option is not None:
        return option
    value = env.get(ENV_ALLOWED_SIGNERS, "").strip()
    return Path(value) if value else None


def sign(record: Path, key: Path) -> Path:
    """Sign `record` with the private `key`; returns the `.sig` file beside it."""
    signature = record.with_name(record.name + ".sig")
    if not secret_refs.is_file(key):
        raise SigningError(f"{secret_refs.key_file(key, 'the signing key')} does not exist",
                           "give the private key file of your SSH signing key (e.g. "
                           "~/.ssh/id_ed25519), or create one with `ssh-keygen -t ed25519`")
    done = _ssh_keygen(["-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(record)])
    if done.returncode != 0 or not signature.exists():
        raise SigningError("ssh-keygen could not sign the approval record",
                           "check that the key is a private SSH key and that it needs no "
                           "passphrase here (or load it into ssh-agent)")
    return signature


def verify(record: Path, signature: Path, principal: str, signers: Path) -> Verdict:
    """Whether `signature` is a valid signature of `record` by `principal` under the
    CPO's allowed signers."""
    if not secret_refs.is_file(signers):
        return Verdict(False, f"{secret_refs.key_file(signers, 'the allowed signers file')} "
                              "does not exist")
    try:
        with record.open("rb") as data:
            done = _ssh_keygen(["-Y", "verify", "-f", str(signers), "-I", principal,
                                "-n", NAMESPACE, "-s", str(signature)], stdin=data)
    except (OSError, SigningError):
        return Verdict(False, "ssh-keygen could not be run")
    if done.returncode == 0:
        return Verdict(True, f"signed by {principal}")
    return Verdict(False, f"the signature does not verify as {principal} against the "
                          "allowed signers (the record was changed, or signed by another key)")


def _ssh_keygen(args: list[str], stdin=None) -> subprocess.CompletedProcess:
    program = shutil.which("ssh-keygen")
    if program is None:
        raise SigningError("ssh-keygen is not installed",
                           "install OpenSSH (`apt-get install openssh-client`)")
    try:
        return subprocess.run([program, *args], stdin=stdin if stdin is not None
                              else subprocess.DEVNULL, capture_output=True, timeout=_TIMEOUT,
                              check=False, env={**os.environ, "SSH_ASKPASS_REQUIRE": "never"})
    except subprocess.TimeoutExpired:
        raise SigningError("ssh-keygen did not finish in time",
                           "a key with a passphrase needs ssh-agent here") from None
    except OSError as failure:   # found on PATH, but not runnable (a broken interpreter line)
        raise SigningError(f"ssh-keygen at {program} could not be run: "
                           f"{failure.strerror or type(failure).__name__}",
                           "check the OpenSSH installation (`ssh-keygen -V`), or put a "
                           "working ssh-keygen first on PATH") from None
