"""A real OpenSSH server for delivery tests: `sshd` (Debian `openssh-server`) started on
127.0.0.1 on a free port with host and client keys generated into a temporary
directory, accepting the current user by key. Tests are skipped, saying why, where
sshd is not installed (`.ci/run` installs it when it runs as root)."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from listening import free_port, wait_listening

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)


@dataclass
class SshServer:
    port: int
    root: Path        # a directory on the server (the same file system: tests look in it)
    client_key: Path
    known_hosts: Path
    host_key: Path
    process: subprocess.Popen

    def stop(self) -> None:
        """Stop the server and every session it forked (they start their own sessions,
        so they are found by their parent process)."""
        if self.process.poll() is None:
            for pid in [*_descendants(self.process.pid), self.process.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait(timeout=5)

    def drop_connections(self) -> None:
        """End the open sessions (their sshd processes), as a network that drops them
        does; the server goes on accepting new ones."""
        for pid in _descendants(self.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def profile(self, config: Path, name: str = "lab", **extra: object) -> Path:
        """A destination profile `<config>/destinations/NAME.toml` (mode 0600)."""
        fields = {"host": "127.0.0.1", "port": self.port, "user": getpass.getuser(),
                  "key_file": str(self.client_key), "known_hosts": str(self.known_hosts),
                  "retries": 1, "backoff_seconds": 0.01} | extra
        folder = config / "destinations"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.toml"
        path.write_text("".join(f"{key} = {_toml(value)}\n" for key, value in fields.items()))
        path.chmod(0o600)
        return path


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        children = parents.get(queue.pop(), [])
        found.extend(children)
        queue.extend(children)
    return found


def _toml(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


_SSHD_CONFIG = """Port {port}
ListenAddress 127.0.0.1
HostKey {keys}/host_key
PidFile {keys}/sshd.pid
AuthorizedKeysFile {authorized}
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers {user}
Subsystem sftp {subsystem} {sftp_options}
LogLevel ERROR
"""


def _sshd_answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
        return probe.recv(8).startswith(b"SSH-")


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True, capture_output=True)


def start_sshd(base: Path, sftp_options: str = "",
               subsystem: str = "internal-sftp") -> SshServer:
    """`sftp_options`: flags of `internal-sftp` (`-P posix-rename` refuses that request,
    as hardened and SFTP-v3-only servers do); `subsystem`: the program that serves SFTP
    (`/bin/false`: a server that closes the channel after the login)."""
    if SSHD is None or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH's sshd is not installed (Debian `openssh-server`; .ci/run "
                    "installs it when run as root)")
    keys = base / "ssh"
    keys.mkdir(parents=True)
    _keygen(keys / "host_key")
    _keygen(keys / "client_key")
    authorized = keys / "authorized_keys"
    authorized.write_text((keys / "client_key.pub").read_text())
    authorized.chmod(0o600)
    # the free port is only free when probed: another process (a worker's outgoing
    # connection, another server) may take it before sshd binds it, and sshd then exits
    # ("Address already in use"); a new port is tried then
    for _ in range(5):
        port = free_port()
        known_hosts = keys / "known_hosts"
        public = (keys / "host_key.pub").read_text().split()
        known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
        config = keys / "sshd_config"
        config.write_text(_SSHD_CONFIG.format(port=port, keys=keys, authorized=authorized,
                                              user=getpass.getuser(), subsystem=subsystem,
                                              sftp_options=sftp_options))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True)
        if wait_listening(process, port, _sshd_answers, "sshd"):
            break
        error = process.stderr.read().decode(errors="replace")
        if "already in use" not in error:
            pytest.fail(f"sshd exited: {error}")
    else:
        pytest.fail("sshd found no free port in 5 tries")
    root = base / "server"
    root.mkdir()
    return SshServer(port, root, keys / "client_key", known_hosts, keys / "host_key",
                     process)


@pytest.fixture
def sshd(tmp_path: Path):
    server = start_sshd(tmp_path)
    yield server
    server.stop()
