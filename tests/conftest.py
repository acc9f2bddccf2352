from __future__ import annotations

from datetime import date

import pytest

from triage.engine import Engine

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()
