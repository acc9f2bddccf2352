"""API keys: hashed at rest, per organisation and role; other organisations' cases are 404; audited."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlmodel import col, select
from typer.testing import CliRunner

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE, PIP_CASE
from tests.api.test_letters_consent import record_duty_consent
from triage.casework.apikeys import authenticate, revoke_key
from triage.cli.main import app as cli
from triage.store.db import Database
from triage.store.models import ApiKey, AuditEntry


def test_no_key_or_a_bad_key_is_401_with_a_challenge(client: TestClient, keys: Keys) -> None:
    for headers in ({}, {"Authorization": "Bearer tjk_00000000_" + "x" * 43}, {"X-API-Key": keys.hospital + "x"}):
        r = client.get("/v1/cases", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["content-type"].startswith("application/problem+json")


def test_both_header_forms_work(client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/cases", headers={"X-API-Key": keys.hospital}).status_code == 200
    assert client.get("/v1/cases", headers=keys.bearer(keys.hospital)).status_code == 200


def test_keys_are_stored_hashed_only(db: Database, keys: Keys) -> None:
    with db.transaction() as s:
        row = s.get(ApiKey, keys.hospital_key_id)
        assert row is not None
        assert row.key_hash == hashlib.sha256(keys.hospital.encode()).hexdigest()
        assert keys.hospital not in repr(row.model_dump())


def test_revoked_key_stops_working_at_once(client: TestClient, db: Database, keys: Keys) -> None:
    assert authenticate(db, keys.hospital) is not None
    revoke_key(db, keys.hospital_key_id)
    assert authenticate(db, keys.hospital) is None
    assert client.get("/v1/cases", headers=keys.bearer(keys.hospital)).status_code == 401


def test_role_decides_what_a_key_may_do(client: TestClient, keys: Keys) -> None:
    r = client.post("/v1/cases", json=PIP_CASE, headers=keys.bearer(keys.agency))
    assert r.status_code == 403 and "role" in r.json()["detail"]


def test_another_organisations_case_is_404_everywhere(client: TestClient, keys: Keys) -> None:
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=keys.bearer(keys.hospital)).json()
    gp = keys.bearer(keys.gp)
    missing = client.get("/v1/cases/0123456789abcdef0123456789abcdef", headers=gp)
    for r in (
        client.get(f"/v1/cases/{case['id']}", headers=gp),
        client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=gp),
        client.post(f"/v1/cases/{case['id']}/referrals", headers=gp,
                    json={"issue": "housing.homelessness", "consent": {"given_by": "the person"}}),
    ):  # fmt: skip
        assert r.status_code == 404, r.text
        assert r.json()["title"] == missing.json()["title"] == "Not Found"
    assert case["id"] not in {c["id"] for c in client.get("/v1/cases", headers=gp).json()["items"]}
    assert client.get(f"/v1/cases/{case['id']}", headers=keys.bearer(keys.hospital)).status_code == 200


def test_every_case_access_is_audited_with_the_key(client: TestClient, db: Database, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h).json()
    client.get(f"/v1/cases/{case['id']}", headers=h)
    client.get("/v1/cases", headers=h)
    record_duty_consent(client, h, case["id"])
    assert client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=h).status_code == 200
    with db.transaction() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.case_id == case["id"]).order_by(col(AuditEntry.id))).all()
        actions = [(r.action, r.actor_user_id, r.actor_org_id) for r in rows]
    who = (keys.hospital_key_id, keys.hospital_org_id)
    assert [a for a, *_ in actions] == ["case.create", "case.read", "case.list", "consent.record", "letter.render"]
    assert all((u, o) == who for _, u, o in actions)


def test_cli_creates_lists_and_revokes_keys_never_printing_secrets(db: Database, keys: Keys) -> None:
    url = ["--database-url", str(db.engine.url)]
    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "create", "--org", keys.hospital_org_id, "--role", "auditor",
                               "--name", "evaluation", *url])  # fmt: skip
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("tjk_") and authenticate(db, key) is not None
    listed = runner.invoke(cli, ["keys", "list", *url])
    assert listed.exit_code == 0 and "evaluation" in listed.stdout and "auditor" in listed.stdout
    for secret in (key, keys.hospital):
        assert secret not in listed.stdout and secret.split("_", 2)[2] not in listed.stdout
    key_id = authenticate(db, key).key_id  # type: ignore[union-attr]
    revoked = runner.invoke(cli, ["keys", "revoke", key_id, *url])
    assert revoked.exit_code == 0 and authenticate(db, key) is None
    bad = runner.invoke(cli, ["keys", "create", "--org", keys.hospital_org_id, "--role", "boss", *url])
    assert bad.exit_code == 2 and bad.stderr.startswith("triage: error: --role")
