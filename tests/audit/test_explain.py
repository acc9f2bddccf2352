"""`triage rules explain`: what fired on which facts, and near misses."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from triage.audit.explain import explain
from triage.cli.main import app
from triage.engine.engine import Engine
from triage.facts import parse_facts
from triage.paths import rules_dir

runner = CliRunner()
DAY = date(2026, 11, 23)


def test_fired_rules_carry_the_facts_they_used(engine: Engine) -> None:
    facts = parse_facts({"benefits": {"pip_stage": "refused", "pip_decision_date": "2026-11-03",
                                      "mr_requested": False}})  # fmt: skip
    ex = explain(engine, facts, DAY)
    fired = {f.rule_id: f for f in ex.fired}
    assert "benefits.pip.refused" in fired
    assert fired["benefits.pip.refused"].facts["benefits.pip_decision_date"] == "2026-11-03"
    assert fired["benefits.pip.refused"].where.startswith("rules/england/rules/benefits.yaml:")
    assert [f.rule_id for f in ex.fired] == ex.assessment.rules_fired


def test_near_miss_names_the_one_failing_test_and_the_value(engine: Engine) -> None:
    # Private tenant with a section 8 notice: every test of the section 8 rule holds but the notice type.
    facts = parse_facts({"housing": {"tenure": "private_rented", "notice_type": "notice_to_quit"}})
    ex = explain(engine, facts, DAY)
    assert "housing.possession_private.section_8_notice" not in {f.rule_id for f in ex.fired}
    miss = {m.rule_id: m for m in ex.near_misses}["housing.possession_private.section_8_notice"]
    assert miss.fact == "housing.notice_type" and miss.value == "notice_to_quit"
    assert "section_8_form_3a" in miss.failed
    # A rule none of whose tests hold is not a near miss.
    assert "housing.possession_social.council_notice" not in {m.rule_id for m in ex.near_misses} or (
        "housing.tenure" in {m.fact for m in ex.near_misses}
    )
    for m in ex.near_misses:
        rule = engine.ruleset.rule(m.rule_id, DAY)
        assert rule is not None and rule.id not in ex.assessment.rules_fired


def test_cli_explain_text_json_and_errors() -> None:
    example = str(rules_dir() / "examples" / "three-problems.yaml")
    r = runner.invoke(app, ["rules", "explain", example])
    assert r.exit_code == 0, r.output
    assert "Rules that fired" in r.output and "Near misses" in r.output and "failed on:" in r.output
    data = json.loads(runner.invoke(app, ["rules", "explain", example, "--format", "json"]).output)
    assert data["as_of"] == "2026-11-23" and data["fired"] and data["near_misses"]
    r = runner.invoke(app, ["rules", "explain", "-", "--as-of", "2026-11-23"], input='{"person": {"age": 300}}')
    assert r.exit_code == 2 and "person.age" in r.output and r.output.strip().count("\n") == 0
    r = runner.invoke(app, ["rules", "explain", "-"], input='{"person": {"age": 30}}')
    assert r.exit_code == 2 and "--as-of" in r.output
