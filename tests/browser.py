"""Headless Chromium (the Debian `chromium` package) driven over the DevTools protocol.

`open_page(path)` loads a local file in a fresh browser profile and returns what the
page did: console errors and uncaught exceptions, every URL it requested, its visible
text and a PNG screenshot. Tests that need it skip with a reason where Chromium is not
installed (`.ci/run` installs it when it runs as root).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 30.0
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


def chromium() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def require_chromium() -> str:
    found = chromium()
    if found is None:
        pytest.skip("headless Chromium is not installed (Debian: `apt-get install chromium`; "
                    ".ci/run installs it when it runs as root)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        pytest.skip("the `websocket-client` package is missing (pip install -e '.[test]')")
    return found


@dataclass
class PageReport:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    text: str = ""
    title: str = ""
    values: dict[str, str] = field(default_factory=dict)
    print_values: dict[str, str] = field(default_factory=dict)  # `print_evaluate`, on paper
    screenshot: bytes = b""
    pdf: bytes = b""                 # printed on the page size the CSS asks for (A4)
    print_screenshot: bytes = b""    # the page at A4's printable width with print styles

    @property
    def pdf_pages(self) -> int:
        return len(re.findall(rb"/Type\s*/Page[^s]", self.pdf))


def open_page(path: Path, *, width: int = 1200, height: int = 900,
              evaluate: dict[str, str] | None = None,
              print_evaluate: dict[str, str] | None = None) -> PageReport:
    """Load `path`; `evaluate` maps names to JavaScript expressions whose values the
    report keeps (in `values`); `print_evaluate` the same, evaluated with the print
    styles at A4's printable width (in `print_values`)."""
    binary = require_chromium()
    # ignore_cleanup_errors: chromium's helper processes may still write the profile
    with tempfile.TemporaryDirectory(prefix="ocpispec-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking",
             f"--user-data-dir={profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = _devtools_port(Path(profile), process)
            return _drive(_page_socket(port), path.resolve().as_uri(), evaluate or {},
                          print_evaluate or {})
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _devtools_port(profile: Path, process: subprocess.Popen) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port")


def _page_socket(port: int) -> str:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(f"http://127.0.0.1:{port}/json/list", timeout=5) as reply:
            pages = [t for t in json.load(reply) if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.05)
    raise TimeoutError("chromium opened no page")


class _Session:
    def __init__(self, url: str) -> None:
        import websocket

        self.socket = websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        if any(event.get("method") == method for event in self.events):
            return
        while True:
            message = json.loads(self.socket.recv())
            self.events.append(message)
            if message.get("method") == method:
                return


def _drive(socket_url: str, url: str, evaluate: dict[str, str],
           print_evaluate: dict[str, str]) -> PageReport:
    session = _Session(socket_url)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            session.call(f"{domain}.enable")
        session.call("Page.navigate", url=url)
        session.wait_for("Page.loadEventFired")
        report = PageReport()
        report.text = _evaluate(session, "document.body.innerText")
        report.title = _evaluate(session, "document.title")
        report.values = {name: _evaluate(session, js) for name, js in evaluate.items()}
        shot = session.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        report.screenshot = base64.b64decode(shot["data"])
        pdf = session.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)
        report.pdf = base64.b64decode(pdf["data"])
        # the printable width of A4 with the page's 12 mm side margins, at 96 px per inch
        session.call("Emulation.setDeviceMetricsOverride", width=A4_PRINTABLE_PX, height=1123,
                     deviceScaleFactor=1, mobile=False)
        session.call("Emulation.setScrollbarsHidden", hidden=True)
        session.call("Emulation.setEmulatedMedia", media="print")
        shot = session.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        report.print_screenshot = base64.b64decode(shot["data"])
        report.print_values = {name: _evaluate(session, js)
                               for name, js in print_evaluate.items()}
        _collect(session.events, report)
        return report
    finally:
        session.socket.close()


def _evaluate(session: _Session, expression: str) -> str:
    result = session.call("Runtime.evaluate", expression=expression, returnByValue=True)
    return str(result.get("result", {}).get("value", ""))


def _collect(events: list[dict], report: PageReport) -> None:
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            report.console_errors.append(details.get("exception", {}).get("description")
                                         or details.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            report.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                  for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            report.console_errors.append(params["entry"].get("text", "error"))
        elif method == "Network.requestWillBeSent":
            report.requests.append(params.get("request", {}).get("url", ""))

