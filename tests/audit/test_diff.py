"""`triage rules diff`: a one-rule change reports exactly the cases that rule touches."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.rulesets_util import copy_ruleset
from triage.audit.corpus import CaseRecord, write_corpus
from triage.audit.diff import compare, diff
from triage.cli.main import app
from triage.engine.engine import Engine
from triage.engine.flatten import flatten
from triage.facts import parse_facts
from triage.paths import default_ruleset_dir

runner = CliRunner()
RULE = "housing.adaptations.dfg_decision_due"
ISSUE = "housing.adaptations"


def _records(corpus: list[dict[str, Any]]) -> list[CaseRecord]:
    return [CaseRecord(c["case_ref"], date.fromisoformat(c["as_of"]), c["facts"], c["case_ref"]) for c in corpus]


def _retier(ruleset: Path, rule_id: str, old: str, new: str) -> None:
    path = ruleset / "rules" / "housing.yaml"
    text = path.read_text()
    at = text.index(f"- id: {rule_id}\n")
    tier_at = text.index(old, at)
    path.write_text(text[:tier_at] + new + text[tier_at + len(old):])


@pytest.fixture(scope="module")
def retiered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rs = copy_ruleset(tmp_path_factory.mktemp("retier"))
    _retier(rs, RULE, "tier: 2", "tier: 3")
    return rs


def test_one_tier_change_reports_exactly_the_cases_that_rule_touches(
    engine: Engine, corpus: list[dict[str, Any]], retiered: Path
) -> None:
    new = Engine.default(retiered)
    assert new.ruleset.rule(RULE).then.need.tier == 3  # type: ignore[union-attr]
    fires: set[str] = set()
    already_3: set[str] = set()
    for c in corpus:
        day = date.fromisoformat(c["as_of"])
        facts = parse_facts(c["facts"])
        if any(r.rule.id == RULE for r in engine.fired_python(flatten(facts, day))):
            fires.add(c["case_ref"])
            need = next(n for n in engine.assess(facts, day).needs if n.issue == ISSUE)
            if need.tier == 3:
                already_3.add(c["case_ref"])
    # The rule only raises to tier 3 where nothing else already had: those are the touched cases.
    touched = fires - already_3
    assert touched and already_3, "the corpus should hold both kinds of case"
    report = diff(engine, new, _records(corpus), processes=1)
    assert {cd.ref for cd in report.changed} == touched
    for cd in report.changed:
        assert [(ch.kind, ch.issue, ch.old, ch.new) for ch in cd.changes] == [("tier", ISSUE, 2, 3)]
    assert report.summary() == {"tier_up": {ISSUE: len(touched)}}


def test_diff_in_worker_processes_matches_one_process(
    engine: Engine, corpus: list[dict[str, Any]], retiered: Path
) -> None:
    new = Engine.default(retiered)
    records = _records(corpus) * 3
    one = diff(engine, new, records, processes=1)
    many = diff(engine, new, records, processes=2)
    assert [(c.ref, c.changes) for c in many.changed] == [(c.ref, c.changes) for c in one.changed]


def test_cli_diff_table_json_and_fail_on_change(corpus: list[dict[str, Any]], retiered: Path, tmp_path: Path) -> None:
    write_corpus(corpus[:150], tmp_path / "cases", {"seed": 11})
    shipped = str(default_ruleset_dir())
    args = ["rules", "diff", shipped, str(retiered), "--cases", str(tmp_path / "cases"), "--processes", "1"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "tier_up" in r.output and ISSUE in r.output and f"~ {ISSUE}: tier 2 -> 3" in r.output
    assert runner.invoke(app, [*args, "--fail-on-change"]).exit_code == 1
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert data["cases"] == 150 and data["changed_cases"] == len(data["changed"]) > 0
    same = runner.invoke(app, ["rules", "diff", shipped, shipped, "--cases", str(tmp_path / "cases"),
                               "--fail-on-change", "--processes", "1"])  # fmt: skip
    assert same.exit_code == 0 and "150 cases, 0 changed" in same.output


def test_cli_diff_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    shipped = str(default_ruleset_dir())
    r = runner.invoke(app, ["rules", "diff", shipped, "no-such-version", "--cases", str(tmp_path)])
    assert r.exit_code == 2 and "NEW" in r.output and r.output.strip().count("\n") == 0
    r = runner.invoke(app, ["rules", "diff", shipped, shipped, "--cases", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no such folder" in r.output and r.output.strip().count("\n") == 0
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cases-00000.jsonl").write_text('{"as_of": "2026-11-23", "facts": {"person": {"age": -1}}}\n')
    r = runner.invoke(app, ["rules", "diff", shipped, shipped, "--cases", str(tmp_path / "c")])
    assert r.exit_code == 2 and "cases-00000.jsonl:1" in r.output and "person.age" in r.output


def test_compare_reports_added_removed_and_deadline_changes(engine: Engine) -> None:
    day = date(2026, 11, 23)
    pip = {"benefits": {"pip_stage": "refused", "pip_decision_date": "2026-11-03", "mr_requested": False}}
    a = engine.assess(pip, day)
    b = engine.assess({"benefits": {**pip["benefits"], "pip_decision_date": "2026-11-10"}}, day)
    kinds = {ch.kind for ch in compare(a, b)}
    assert "deadline" in kinds
    none = engine.assess({}, day)
    assert [ch.kind for ch in compare(none, a)] == ["need_added"]
    assert [ch.kind for ch in compare(a, none)] == ["need_removed"]
    assert compare(a, a) == ()
