"""The CA certificates are read at the first TLS handshake (`ocpispec/ocpi/tls.py`), not
when a client is built: against a real TLS server on 127.0.0.1 (the demo CPO behind a
self-signed certificate) an https platform is still verified (refused without its CA,
accepted with `SSL_CERT_FILE` naming it), and an http:// platform never reads the bundle
(one `SSL_CERT_FILE` cannot read no longer fails it)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.demo import DemoServer


class TlsDemoServer(DemoServer):
    """The demo CPO speaking only https, with the certificate and key in `pem`."""

    def __init__(self, pem: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(pem)

    def start(self) -> TlsDemoServer:
        super().start()
        assert self._httpd is not None
        self._httpd.socket = self._context.wrap_socket(self._httpd.socket, server_side=True)
        return self

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate and key, certificate alone) for 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ocpispec test CPO")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    (folder / "server.pem").write_bytes(cert_pem + key_pem)
    (folder / "ca.pem").write_bytes(cert_pem)
    return folder / "server.pem", folder / "ca.pem"


@pytest.fixture
def tls_demo(tmp_path: Path) -> Iterator[tuple[TlsDemoServer, Path]]:
    folder = tmp_path / "tls"
    folder.mkdir()
    server_pem, ca_pem = self_signed(folder)
    with TlsDemoServer(server_pem, version="2.2.1", size=30, max_page_size=10) as server:
        yield server, ca_pem


def login(run_cli, server: DemoServer, env: dict[str, str]):
    return run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC", env=env)


def test_an_https_platform_is_verified_against_the_ca_certificates(run_cli, tls_demo, tmp_path) -> None:
    server, ca_pem = tls_demo
    refused = login(run_cli, server, {})
    assert refused.exit_code == 1, refused.output
    assert "error[OCX517]" in refused.stderr and "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    accepted = login(run_cli, server, {"SSL_CERT_FILE": str(ca_pem)})
    assert accepted.exit_code == 0, accepted.output
    pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01",
                     env={"SSL_CERT_FILE": str(ca_pem)})
    assert pulled.exit_code == 0, pulled.output
    assert len(pulled.stdout.splitlines()) == 30
    again = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert again.exit_code == 1 and "error[OCX517]" in again.stderr
    # a folder of certificates as OpenSSL looks them up (`SSL_CERT_DIR`: named by their hash)
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        return
    folder = tmp_path / "cas"
    folder.mkdir()
    subject_hash = subprocess.run(["openssl", "x509", "-noout", "-subject_hash", "-in", str(ca_pem)],
                                  capture_output=True, text=True, check=True).stdout.strip()
    (folder / f"{subject_hash}.0").write_bytes(ca_pem.read_bytes())
    by_folder = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01",
                        env={"SSL_CERT_FILE": None, "SSL_CERT_DIR": str(folder)})  # type: ignore[dict-item]
    assert by_folder.exit_code == 0, by_folder.output


def test_an_http_platform_never_reads_the_ca_certificates(run_cli, demo_server_factory, tmp_path) -> None:
    """A CA bundle that cannot be read failed every command with an internal error when
    its client was built, for an http:// platform too, which never uses it."""
    server = demo_server_factory(version="2.2.1", size=20)
    for unreadable in (str(tmp_path / "missing.pem"), str(Path(__file__))):
        env = {"SSL_CERT_FILE": unreadable}
        assert login(run_cli, server, env).exit_code == 0
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01", env=env)
        assert pulled.exit_code == 0, pulled.output
        assert len(pulled.stdout.splitlines()) == 20


def test_an_unreadable_ca_bundle_fails_an_https_platform_with_a_diagnostic(run_cli, tls_demo, tmp_path,
                                                                           snapshot) -> None:
    server, _ = tls_demo
    shown = []
    for unreadable in (tmp_path / "missing.pem", Path(__file__)):
        failed = login(run_cli, server, {"SSL_CERT_FILE": str(unreadable)})
        assert failed.exit_code == 1
        assert "internal error" not in failed.stderr and "retry" not in failed.stderr
        shown.append(scrub(cli_block(failed), tmp_path=tmp_path, token=server.token)
                     .replace(str(Path(__file__).parent), "<tests>"))
    assert "\n".join(shown) == snapshot
    doctor = run_cli("doctor", server.versions_url, "--token", server.token, "--party", "NL-ABC",
                     env={"SSL_CERT_FILE": str(tmp_path / "missing.pem")})
    assert doctor.exit_code != 0 and "internal error" not in doctor.output
    assert "cannot read the CA certificates" in doctor.output, doctor.output


def test_the_context_checks_what_httpx_s_own_context_checks(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Only the trust store waits for the first handshake: every other setting is the one
    `httpx.create_ssl_context()` makes (`ssl.create_default_context`, whose flags differ
    by Python version: 3.13 adds VERIFY_X509_STRICT and VERIFY_X509_PARTIAL_CHAIN)."""
    import httpx

    from ocpispec.ocpi.tls import tls_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
    ours, theirs = tls_context(), httpx.create_ssl_context()
    settings = ("protocol", "verify_mode", "check_hostname", "options", "verify_flags",
                "minimum_version", "maximum_version", "post_handshake_auth")
    assert {name: getattr(ours, name) for name in settings} == \
        {name: getattr(theirs, name) for name in settings}
    assert ours.verify_mode is ssl.CERT_REQUIRED and ours.check_hostname
    assert ours.cert_store_stats()["x509_ca"] == 0  # not loaded before a handshake
