from __future__ import annotations

import os
import tempfile
from datetime import date

import pytest

# Tests never touch the checkout's var/ (the developer's own store and secret key):
# anything that reaches for the service's state folder gets a throwaway one. One
# per process: xdist workers inherit the controller's environment, and two workers
# opening one fresh SQLite file at once can fail ("database is locked") setting WAL.
os.environ["TRIAGE_HOME"] = tempfile.mkdtemp(prefix="triage-test-home-")

from triage.engine.engine import Engine

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()
