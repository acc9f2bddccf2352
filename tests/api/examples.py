"""Synthetic request bodies for the API tests (fictional people only)."""

from __future__ import annotations

from typing import Any

from api.v1.examples import CASE_EXAMPLES, DISCHARGE_FACTS, PIP_FACTS

DISCHARGE_CASE: dict[str, Any] = CASE_EXAMPLES[0]
PIP_CASE: dict[str, Any] = {"as_of": "2026-11-23", "facts": PIP_FACTS,
                            "person": {"name": "Fictional Testcase-Person"}}  # fmt: skip
HOUSED_DISCHARGE: dict[str, Any] = {
    "as_of": "2026-11-23",
    "facts": {**DISCHARGE_FACTS, "housing": {"concern": False}},
}
