"""One typed settings object reads the environment; its table in docs/settings.md names every field."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage.settings import Settings, SettingsError, settings

ROOT = Path(__file__).resolve().parent.parent


def test_settings_come_from_triage_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DEMO", "1")
    monkeypatch.setenv("TRIAGE_AS_OF", "2026-12-31")
    monkeypatch.setenv("TRIAGE_API_RATE", "0")
    s = settings()
    assert s.demo is True and s.as_of == dt.date(2026, 12, 31) and s.api_rate == 0


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_API_MAX_BODY", "lots")
    with pytest.raises(SettingsError, match=r"^TRIAGE_API_MAX_BODY: "):
        settings()


def test_the_settings_table_names_every_field() -> None:
    table = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`TRIAGE_([A-Z_]+)`", table)) | {
        f"OUTBOX_{m}" for m in re.findall(r"`_([A-Z_]+)`", table)
    }
    assert {f.upper() for f in Settings.model_fields} <= named


def test_no_other_module_reads_the_environment() -> None:
    readers = [
        str(p.relative_to(ROOT))
        for folder in ("triage", "api")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "settings.py" and re.search(r"os\.environ|os\.getenv", p.read_text(encoding="utf-8"))
    ]
    assert readers == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("demo", [True, False])
def test_serve_says_when_it_is_in_demo_mode(tmp_path: Path, demo: bool) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env |= {"TRIAGE_HOME": str(tmp_path), "TRIAGE_OUTBOX_WORKER": "0"}
    port = str(_free_port())
    if not demo:  # a real deployment migrates at deploy, before serving
        from triage.store.db import Database

        store = Database.from_url(f"sqlite:///{tmp_path / 'triage.sqlite3'}")
        store.migrate()
        store.dispose()
    cmd = [sys.executable, "-m", "triage.cli.main", "serve", "--port", port, *(["--demo"] if demo else [])]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving on" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    out = "".join(lines)
    assert "serving on" in out, out
    assert ("DEMO MODE" in out) is demo
    assert ("triage users create --role admin" in out) is not demo
    assert (tmp_path / "demo-users.txt").exists() is demo


def test_bin_run_turns_demo_mode_on() -> None:
    assert "triage serve --demo" in (ROOT / "bin" / "run").read_text(encoding="utf-8")
