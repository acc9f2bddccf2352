"""Cases, consent, safe contact, medical evidence requests, erasure and export on both engines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from tests.store.conftest import DEMO_PASSWORD, actor
from tests.store.helpers import AS_OF, make_case
from triage.casework import referrals
from triage.casework.cases import PersonDetails, create_case, get_case, list_cases
from triage.casework.consent import record_consent
from triage.casework.contact import safe_contact
from triage.casework.erasure import erase_case, export_pseudonymised
from triage.casework.evidence import chase, mark_received, request_evidence
from triage.casework.referrals import OutcomeInput
from triage.engine.engine import Engine
from triage.store.db import Database
from triage.store.errors import ConsentRequired, InvalidInput, NotFound
from triage.store.models import Agency, AuditEntry, Need, NeedRule, Referral

LINK = "linkworker@demo.example"


def test_case_keeps_facts_assessment_and_ruleset(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "three-problems")
    assert case.ruleset_hash == engine.ruleset.hash and case.as_of == AS_OF
    assert {n.issue for n in case.needs} == {n["issue"] for n in case.assessment["needs"]}
    assert all(n.rule_ids for n in case.needs)
    # Replaying the stored facts with the stored rule set gives the stored assessment.
    assert engine.assess(case.facts, case.as_of).model_dump(mode="json") == case.assessment
    with db.transaction() as s:
        rules = s.exec(select(NeedRule.rule_id).join(Need).where(Need.case_id == case.id)).all()
    assert set(rules) == {r for n in case.needs for r in n.rule_ids}


def test_bad_facts_name_the_field(db: Database, engine: Engine) -> None:
    with pytest.raises(InvalidInput, match=r"facts\.housing\.hearing_date"):
        create_case(db, actor(db, LINK), {"housing": {"hearing_date": "soon"}}, AS_OF, engine)


def test_cases_are_scoped_to_their_organisation_and_reads_audited(db: Database, engine: Engine) -> None:
    lw, nurse = actor(db, LINK), actor(db, "nurse@demo.example")
    case = make_case(db, lw, engine)
    with pytest.raises(NotFound):
        get_case(db, nurse, case.id, AS_OF)
    with pytest.raises(NotFound):
        get_case(db, actor(db, "adviser.hackney@demo.example"), case.id, AS_OF)
    assert [c.id for c in list_cases(db, nurse, AS_OF)] == []
    assert get_case(db, lw, case.id, AS_OF).id == case.id
    with db.transaction() as s:
        actions = list(s.exec(select(AuditEntry.action).where(AuditEntry.case_id == case.id)))
    assert actions.count("case.create") == 1 and actions.count("case.read") == 1


def test_safe_contact_only_gives_allowed_details(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    person = PersonDetails(
        name="Fictional Person",
        phone="07700 900002",
        email="fp@fictional.example",
        address="2 Pretend Road",
        safe_contact=["via_referrer"],
        safe_contact_notes="Do not call: shares a phone with the abuser.",
    )
    case = make_case(db, lw, engine, person=person)
    sc = safe_contact(db, lw, case.id)
    assert sc.methods == ["via_referrer"] and sc.phone is None and sc.email is None and sc.address is None
    assert sc.notes and "Do not call" in sc.notes
    # Safe contact from the facts when the referrer gives none.
    case2 = make_case(db, lw, engine, person=PersonDetails(name="Other Fictional"), safe_contact="text")
    assert case2.safe_contact == ["text"]
    with pytest.raises(NotFound):
        safe_contact(db, actor(db, "adviser.hackney@demo.example"), case.id)


def test_evidence_needs_consent_and_overdue_shows_on_case_list(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "pip-refused")
    deadline = next(d for d in case.assessment["needs"][0]["deadlines"] if d["kind"] == "act_by")
    with pytest.raises(ConsentRequired, match="medical evidence"):
        request_evidence(
            db, lw, case.id, "pip", "Dr Imaginary (fictional GP)", AS_OF, deadline_id=deadline["deadline_id"]
        )
    record_consent(db, lw, case.id, "medical_evidence", "the person", recipient_name="Dr Imaginary (fictional GP)")
    req = request_evidence(
        db, lw, case.id, "pip", "Dr Imaginary (fictional GP)", AS_OF, deadline_id=deadline["deadline_id"]
    )
    due = date.fromisoformat(deadline["date"])
    assert req.needed_by == max(AS_OF, due - timedelta(days=7))
    assert not req.overdue
    late = req.needed_by + timedelta(days=1)
    assert list_cases(db, lw, req.needed_by)[0].overdue_evidence == 0
    assert list_cases(db, lw, late)[0].overdue_evidence == 1
    chased = chase(db, lw, req.id, AS_OF + timedelta(days=7))
    assert chased.chased_on == [(AS_OF + timedelta(days=7)).isoformat()]
    got = mark_received(db, lw, req.id, late)
    assert got.received_on == late and not got.overdue
    assert list_cases(db, lw, late)[0].overdue_evidence == 0
    with pytest.raises(InvalidInput, match="deadline_id"):
        request_evidence(db, lw, case.id, "pip", "Dr Imaginary (fictional GP)", AS_OF, deadline_id="nope")


MARKERS = ("Zebedee Uniquename", "07700 900777", "zebedee@fictional.example", "99 Marker Street", "ZZMARK-42",
           "Dr Markerdoctor", "secret decline words", "outcome note marker", "Aunt Markerly")  # fmt: skip


def _all_text(db: Database) -> str:
    """Every value in every table, as text."""
    out = []
    with db.engine.connect() as conn:
        for table in inspect(db.engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                out.append(json.dumps([str(v) for v in row]))
    return "\n".join(out)


def test_erasure_leaves_no_personal_data_in_any_table(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    person = PersonDetails(
        name=MARKERS[0],
        date_of_birth=date(1971, 3, 4),
        phone=MARKERS[1],
        email=MARKERS[2],
        address=MARKERS[3],
        safe_contact=["phone"],
        safe_contact_notes="ask for Zebedee Uniquename",
    )
    facts = {"case_ref": MARKERS[4], "person": {"borough": "hackney", "postcode_district": "E8", "age": 52},
             "benefits": {"pip_stage": "refused", "pip_decision_date": "2026-11-03",
                          "mr_requested": False}}  # fmt: skip
    case = create_case(db, lw, facts, AS_OF, engine, person=person, answers={"note": MARKERS[0]})
    record_consent(db, lw, case.id, "medical_evidence", MARKERS[8], recipient_name=MARKERS[5])
    request_evidence(db, lw, case.id, "pip", MARKERS[5], AS_OF, needed_by=AS_OF + timedelta(days=10))
    ref = referrals.route_case(db, lw, case.id)[0].referral
    assert ref is not None
    with db.transaction() as s:
        agency = s.get(Agency, ref.agency_id)
        assert agency is not None
        org = agency.organisation_id
    record_consent(db, lw, case.id, "referral", MARKERS[8], recipient_org_id=org)
    referrals.send_referral(db, lw, ref.id)
    adv = type(lw)(user_id=None, organisation_id=org, role="adviser")
    _, routed = referrals.decline_referral(db, adv, ref.id, "other", MARKERS[6])
    nxt = routed.referral
    assert nxt is not None
    with db.transaction() as s:
        agency2 = s.get(Agency, nxt.agency_id)
        assert agency2 is not None
        org2 = agency2.organisation_id
    record_consent(db, lw, case.id, "referral", MARKERS[8], recipient_org_id=org2)
    referrals.send_referral(db, lw, nxt.id)
    adv2 = type(lw)(user_id=None, organisation_id=org2, role="adviser")
    referrals.accept_referral(db, adv2, nxt.id)
    referrals.close_referral(
        db, adv2, nxt.id, OutcomeInput(outcome="resolved", income_gained_pounds=1200, notes=MARKERS[7])
    )
    get_case(db, lw, case.id, AS_OF)
    before = _all_text(db)
    assert all(m in before for m in MARKERS)  # the check below can fail

    touched = erase_case(db, lw, case.id)
    assert touched["cases"] == 1 and touched["audit_log"] > 5
    after = _all_text(db)
    leaked = [m for m in MARKERS if m in after]
    assert leaked == []
    assert "1971-03-04" not in after
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT postcode_district, date_of_birth, erased_at FROM cases")).one()
    assert row[0] is None and row[1] is None and row[2] is not None
    # Counts kept: needs, referrals, outcome sums, decline codes.
    with db.transaction() as s:
        refs = list(s.exec(select(Referral).where(Referral.case_id == case.id)))
        assert sorted(r.status for r in refs) == ["closed", "declined"]
        assert {r.decline_code for r in refs} == {"other", None}
        assert len(list(s.exec(select(Need).where(Need.case_id == case.id)))) == 1
    with pytest.raises(NotFound):
        get_case(db, lw, case.id, AS_OF)
    rows = export_pseudonymised(db, b"k" * 32)
    mine = [r for r in rows if r["erased"]]
    assert len(mine) == 1 and mine[0]["referrals"][1]["income_gained_pounds"] == 1200


def test_pseudonymised_export_has_no_identifiers(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "three-problems")
    rows = export_pseudonymised(db, b"a" * 32)
    assert len(rows) == 1
    dumped = json.dumps(rows)
    for secret in (case.id, "Testy McFictional", "07700 900001", "testy@fictional.example", "1970-01-01"):
        assert secret not in dumped
    assert rows[0]["assessed_month"] == "2026-11" and len(rows[0]["needs"]) == 3
    assert export_pseudonymised(db, b"a" * 32)[0]["case"] == rows[0]["case"]
    assert export_pseudonymised(db, b"b" * 32)[0]["case"] != rows[0]["case"]


def test_after_erasure_no_file_of_the_sqlite_store_holds_the_personal_data(tmp_path: Path, engine: Engine) -> None:
    import stat

    from triage.casework.demo import seed_demo
    from triage.store.db import prepare_store

    path = tmp_path / "state" / "store.sqlite3"
    db = prepare_store(f"sqlite:///{path}")
    seed_demo(db, password=DEMO_PASSWORD)
    lw = actor(db, LINK)
    person = PersonDetails(name=MARKERS[0], phone=MARKERS[1], address=MARKERS[3])
    case = create_case(db, lw, {"case_ref": MARKERS[4], "person": {"borough": "hackney"}}, AS_OF, engine, person=person)
    files = [path, path.with_name(path.name + "-wal")]

    def raw() -> bytes:
        return b"".join(f.read_bytes() for f in files if f.exists())

    assert MARKERS[0].encode() in raw()  # the check below can fail
    erase_case(db, lw, case.id)
    assert not [m for m in MARKERS if m.encode() in raw()]
    for f in (*files, path.with_name(path.name + "-shm")):
        if f.exists():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    db.dispose()
