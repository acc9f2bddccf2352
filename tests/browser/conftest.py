"""A real app server and Debian's Chromium for browser tests (no browser download, no internet)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "browser-tests-demo-password"  # the demo users' password in the test server only

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need Debian's /usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving the app on a free local port, with its state in a temporary TRIAGE_HOME."""
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's /usr/bin/chromium (apt-get install -y chromium)")
    home = tmp_path_factory.mktemp("triage-home")
    port = _free_port()
    env = {**os.environ, "TRIAGE_HOME": str(home), "TRIAGE_AS_OF": "2026-11-23", "TRIAGE_DEMO": "1",
           "TRIAGE_SECRET_KEY": "browser-tests-only-not-a-secret", "TRIAGE_DEMO_PASSWORD": DEMO_PASSWORD}  # fmt: skip
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"app server did not start: {(home / 'server.log').read_text()}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots go to a pytest temporary folder (printed in the test log)."""
    return tmp_path_factory.mktemp("screenshots")
