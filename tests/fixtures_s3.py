"""A local S3-compatible server for delivery tests: moto's server mode (`moto[s3]`
with flask and flask-cors, which its server needs; it speaks the S3 HTTP protocol) started as its own process on 127.0.0.1 on a free
port, with one bucket."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from listening import free_port, wait_listening

ACCESS_KEY, SECRET_KEY = "AKIAOCPISPECTEST0001", "Sk-4d1f0c9e7b2a-never-shown-8e3f"


@dataclass
class S3Server:
    endpoint: str
    bucket: str
    process: subprocess.Popen

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)

    def profile(self, config: Path, name: str | None = None, **extra: object) -> Path:
        fields = {"bucket": self.bucket, "endpoint_url": self.endpoint,
                  "region": "us-east-1", "access_key_env": "TEST_S3_ACCESS_KEY",
                  "secret_key_env": "TEST_S3_SECRET_KEY", "retries": 1,
                  "backoff_seconds": 0.01} | extra
        folder = config / "destinations"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name or self.bucket}.toml"
        path.write_text("".join(f"{key} = {_toml(value)}\n" for key, value in fields.items()))
        path.chmod(0o600)
        return path


def _toml(value: object) -> str:
    return str(value) if isinstance(value, (int, float)) else f'"{value}"'


def _moto_answers(port: int) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=5):
        return True


def start_moto() -> S3Server:
    pytest.importorskip("moto", reason="moto is not installed (the test extra installs moto[s3], flask, flask-cors)")
    pytest.importorskip("boto3", reason="boto3 is not installed")
    # the free port is only free when probed: another process may take it before moto
    # binds it, and moto then exits; a new port is tried then
    for _ in range(5):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-c", "from moto.server import main; main()", "-H", "127.0.0.1",
             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait_listening(process, port, _moto_answers, "moto's server"):
            break
    else:
        pytest.fail("moto's server exited at each of 5 free ports")
    server = S3Server(f"http://127.0.0.1:{port}", "consumer-drop", process)
    server.client().create_bucket(Bucket=server.bucket)
    return server


def reset_moto(server: S3Server) -> None:
    """Every bucket, object and unfinished upload gone (moto's reset), then the one
    bucket made again: as a server just started."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{server.endpoint}/moto-api/reset", method="POST"),
                           timeout=30).close()
    server.client().create_bucket(Bucket=server.bucket)


@pytest.fixture(scope="module")
def _moto_servers():
    """The module's moto server (a new one after a test stopped it): its start, an import
    of moto in a process of its own, cost more than most tests using it."""
    started: list[S3Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def s3_server(monkeypatch, _moto_servers):
    """An S3 server with one empty bucket `consumer-drop`, reset for each test."""
    monkeypatch.setenv("TEST_S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("TEST_S3_SECRET_KEY", SECRET_KEY)
    if _moto_servers and _moto_servers[-1].process.poll() is None:
        reset_moto(_moto_servers[-1])
    else:
        _moto_servers.append(start_moto())
    yield _moto_servers[-1]


class FaultyProxy:
    """An HTTP proxy in front of the S3 server that answers chosen requests itself
    with an error, as a load balancer or an overloaded server does: `fail(method,
    path)` gives the status to answer with, or None to pass the request on."""

    def __init__(self, target: str, fail) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        upstream = urlsplit(target)

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = fail(self.command, self.path)
                if status is not None:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(upstream.hostname, upstream.port)
                conn.request(self.command, self.path, body, dict(self.headers))
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
