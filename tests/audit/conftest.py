from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from triage.audit.synth import generate_corpus
from triage.engine.engine import Engine

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()


@pytest.fixture(scope="session")
def corpus(engine: Engine) -> list[dict[str, Any]]:
    """A small synthetic corpus (seed 11) shared by the audit tests."""
    return generate_corpus(400, 11, engine.ruleset, AS_OF)
