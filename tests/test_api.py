from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from triage.settings import Settings
from triage.store.db import Database, head_revision, prepare_store

# A migrated store of its own in the tests' throwaway state folder (a real start never migrates).
app = create_app(database=prepare_store(f"sqlite:///{os.environ['TRIAGE_HOME']}/test-api.sqlite3"))
client = TestClient(app)
PIP = {"benefits": {"concern": True, "pip_stage": "refused", "pip_decision_date": "2026-11-03",
                    "mr_requested": False}}  # fmt: skip


def test_health() -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["migrations"] == head_revision()
    assert ready.json()["database"] == "sqlite" and ready.json()["ruleset"]


def test_readyz_is_503_naming_the_check_when_the_store_is_behind(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    db.migrate("0003")
    with TestClient(create_app(Settings(outbox_worker=False), database=db)) as behind:
        r = behind.get("/readyz")
        assert r.status_code == 503 and "migrations" in r.json()["detail"] and "triage db upgrade" in r.json()["detail"]
        assert behind.get("/healthz").status_code == 200  # the process itself is fine
    db.dispose()


def test_stateless_assessment() -> None:
    r = client.post("/v1/assessments", json={"as_of": "2026-11-23", "facts": PIP})
    assert r.status_code == 200
    [need] = r.json()["needs"]
    assert need["issue"] == "benefits.pip" and need["deadlines"][0]["date"] == "2026-12-03"


def test_bad_facts_are_problem_details_naming_the_field() -> None:
    r = client.post("/v1/assessments", json={"as_of": "2026-11-23",
                                             "facts": {"person": {"age": -1}, "housing": {"x": 1}}})  # fmt: skip
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"facts.person.age", "facts.housing.x"} <= fields
    assert body["status"] == 422 and body["title"]


def test_ruleset_info() -> None:
    body = client.get("/v1/ruleset", params={"as_of": "2026-11-23"}).json()
    assert body["name"] == "england" and len(body["hash"]) == 64 and body["rules_in_force"]


def test_ruleset_for_a_day_is_the_one_assessments_for_that_day_use() -> None:
    old = client.get("/v1/ruleset", params={"as_of": "2014-01-01"}).json()
    now = client.get("/v1/ruleset", params={"as_of": "2026-11-23"}).json()
    assessed = client.post("/v1/assessments", json={"as_of": "2014-01-01", "facts": {}}).json()
    assert assessed["ruleset"]["hash"] == old["hash"]
    # Rules carry their own dates: fewer were in force in 2014 than now.
    assert 0 < len(old["rules_in_force"]) < len(now["rules_in_force"])


def test_start_up_moves_what_it_loaded_out_of_the_collectors_reach() -> None:
    """A full collection walking everything loaded at start-up paused every queued request for ~100 ms."""
    import gc

    gc.unfreeze()
    with TestClient(app) as started:
        assert started.get("/readyz").status_code == 200
        assert gc.get_freeze_count() > 10_000
    # What the lifespan made (its store, its outbox thread) can be collected once it ends.
    assert gc.get_freeze_count() == 0


def test_start_up_builds_what_the_first_request_would_wait_for() -> None:
    """Each installed rule-set version is loaded and today's question search compiled before any request."""
    import datetime as dt

    from triage.engine import engine as engine_module
    from triage.rulesets.registry import installed

    engine_module._BY_PATH.clear()
    for existing in engine_module._ENGINES.values():
        existing.findings.groups.clear()
    with TestClient(app):
        assert {v.path for v in installed("england")} <= set(engine_module._BY_PATH)
        today = dt.date.today()
        assert today.toordinal() in engine_module.Engine.in_force(today).findings.groups
