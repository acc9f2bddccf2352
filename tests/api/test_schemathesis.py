"""Schemathesis against the real app (ASGI), authenticated with a test key: no 5xx, and every
response conforms to the published OpenAPI document (status, content type, body, headers).

Bounded: a few examples per operation, so the whole run stays well under a minute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.api.conftest import Keys, api_app
from triage.store.db import Database

# What the issue asks for is checked: no 5xx, and status, content type, body and headers of every
# response as documented (plus auth and Allow). Not checked: whether the API refuses every input
# the schema calls invalid, or accepts every input it calls valid. The facts model deliberately
# reads "dont_know" and numeric strings, and some rules (a medical evidence letter needs a
# purpose) are not expressible in the schema.
NOT_CHECKED = [schemathesis.checks.negative_data_rejection, schemathesis.checks.positive_data_acceptance]

# One app for the whole module (schemathesis reads its schema at collection); each test
# points it at that test's store.
app = api_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=r"^/(v1/|healthz|readyz)")
# The documented examples and random fuzzing; the exhaustive "coverage" phase alone took minutes.
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture
def api_key(db: Database, keys: Keys) -> Iterator[str]:
    app.state.database = db
    try:
        yield keys.hospital
    finally:
        del app.state.database


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: schemathesis.Case, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, excluded_checks=NOT_CHECKED)


def test_null_money_and_count_facts_mean_unknown(api_key: str) -> None:
    from fastapi.testclient import TestClient

    facts = {"debt": {"total_debt": None}, "person": {"dependent_children": None}}
    r = TestClient(app, raise_server_exceptions=False).post(
        "/v1/assessments", json={"as_of": "2026-11-23", "facts": facts}
    )
    assert r.status_code == 200, r.text
