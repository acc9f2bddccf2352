"""`triage rules lint`: seeded faults in a copy of the rule set are each reported with file, line and id."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tests.rulesets_util import add_rules, copy_ruleset
from triage.audit.lint import Finding, check_facts, lint
from triage.cli.main import app
from triage.rulesets.loader import load_ruleset

runner = CliRunner()

SRC = '{title: Test statute, url: "https://www.legislation.gov.uk/x", kind: statute}'


def rule(rid: str, when: str, then: str = "need: {issue: benefits.pip, tier: 2, urgency: routine}",
         source: str | None = SRC, start: str = "2020-01-01", end: str | None = None,
         extra: str = "") -> str:  # fmt: skip
    text = f"""
  - id: {rid}
    title: A rule written for a test
    when: {when}
    then:
      {then}
"""
    if source is not None:
        text += f"    source: {source}\n"
    text += f"    effective_from: {start}\n"
    if end:
        text += f"    effective_to: {end}\n"
    return text + extra


def line_of(path: Path, rid: str, nth: int = 1) -> int:
    hits = [i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.strip() == f"- id: {rid}"]
    return hits[nth - 1]


def find(findings: list[Finding], code: str, rid: str) -> Finding:
    got = [f for f in findings if f.code == code and f.rule_id == rid]
    assert len(got) == 1, (code, rid, [str(f) for f in findings])
    return got[0]


def test_shipped_rule_set_lints_clean() -> None:
    report = lint()
    assert report.count("error") == 0, [str(f) for f in report.findings]
    assert report.count("warning") == 0, [str(f) for f in report.findings]
    assert report.rules_checked == len(load_ruleset().rules)
    r = runner.invoke(app, ["rules", "lint", "--strict"])
    assert r.exit_code == 0, r.output
    assert "0 errors, 0 warnings" in r.output


def _drop_resources(ruleset: Path, issue: str) -> None:
    path = ruleset.parent / "resources.yaml"
    data = yaml.safe_load(path.read_text())
    kept = []
    for res in data["resources"]:
        res["issues"] = [i for i in res["issues"] if i != issue]
        if res["issues"]:
            kept.append(res)
    data["resources"] = kept
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_seeded_faults_in_a_loadable_rule_set(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    pip_pregnant = "{all: [{fact: person.pregnant, equals: true}, {fact: person.is_carer, equals: true}]}"
    text = (
        rule("test.contradiction",
             "{all: [{fact: housing.arrears_months, lt: 3}, {fact: housing.arrears_months, gt: 5}]}")
        + rule("test.contradiction_choice",
               "{all: [{fact: housing.tenure, equals: council}, {fact: housing.tenure, equals: lodger}]}")
        + rule("test.contradiction_set", "{all: [{fact: health.conditions, contains: respiratory},"
               " {not: {fact: health.conditions, contains: respiratory}}]}")
        + rule("test.shadowed",
               "{all: [{fact: housing.tenure, equals: private_rented},"
               " {fact: housing.notice_type, equals: section_8_form_3a}, {fact: housing.arrears_months, gte: 5}]}",
               then="need: {issue: housing.possession_private, tier: 2, urgency: routine}")
        + rule("test.conflict_a", pip_pregnant)
        + rule("test.conflict_b", pip_pregnant, then="need: {issue: benefits.pip, tier: 3, urgency: urgent}")
        + rule("test.gap", "{fact: person.terminal_illness, equals: true}", start="2020-01-01", end="2022-01-01")
        + rule("test.gap", "{fact: person.terminal_illness, equals: true}", start="2023-01-01")
        + rule("test.practice_only", "{fact: person.self_help_tried, equals: false}",
               source='{title: Our practice, url: "https://www.ucl.ac.uk/x", kind: practice}')
        + rule("test.placeholder", "{fact: person.literacy_difficulty, equals: true}",
               source='{title: Somewhere, url: "https://example.com/law", kind: statute}')
        + rule("test.only_unknown", "{all: [{fact: person.age, lt: 10}, {fact: person.age, gt: 20}]}",
               extra="    on_unknown: fire\n")
    )  # fmt: skip
    path = add_rules(rs, text)
    _drop_resources(rs, "education.exclusion")
    load_ruleset(rs)  # the faults are legal YAML: only lint finds them
    report = lint(rs)
    f = report.findings
    file = "rules/england/rules/zz_test.yaml"
    for rid in ("test.contradiction", "test.contradiction_choice", "test.contradiction_set"):
        got = find(f, "never-fires", rid)
        assert (got.file, got.line, got.severity) == (file, line_of(path, rid), "error")
    got = find(f, "shadowed", "test.shadowed")
    assert (got.file, got.line, got.severity) == (file, line_of(path, "test.shadowed"), "warning")
    assert "housing.possession_private.section_8_notice" in got.message
    got = find(f, "conflicting-findings", "test.conflict_b")
    assert got.line == line_of(path, "test.conflict_b") and "test.conflict_a" in got.message
    assert not [x for x in f if x.rule_id == "test.conflict_a" and x.code in ("conflicting-findings", "shadowed")]
    got = find(f, "date-gap", "test.gap")
    assert got.line == line_of(path, "test.gap", 2) and "2022-01-01" in got.message
    got = find(f, "practice-only-source", "test.practice_only")
    assert got.severity == "error" and got.line == line_of(path, "test.practice_only")
    got = find(f, "placeholder-source", "test.placeholder")
    assert got.severity == "error"
    got = find(f, "fires-only-on-unknown", "test.only_unknown")
    assert got.severity == "warning"
    got = find(f, "no-tier1-resources", "education.exclusion")
    assert got.file.endswith("taxonomy.yaml") and got.line > 0
    # Nothing else in the copy is reported as an error or warning.
    ours = {"test.contradiction", "test.contradiction_choice", "test.contradiction_set", "test.shadowed",
            "test.conflict_b", "test.gap", "test.practice_only", "test.placeholder", "test.only_unknown",
            "education.exclusion"}  # fmt: skip
    assert {x.rule_id for x in f if x.severity != "info"} == ours

    r = runner.invoke(app, ["rules", "lint", "--ruleset", str(rs)])
    assert r.exit_code == 1
    assert f"{file}:{line_of(path, 'test.contradiction')}: error: [never-fires] test.contradiction:" in r.output
    data = json.loads(runner.invoke(app, ["rules", "lint", "--ruleset", str(rs), "--format", "json"]).output)
    assert {x["rule_id"] for x in data["findings"] if x["code"] == "never-fires"} >= {"test.contradiction"}


def test_faults_that_stop_loading_are_reported_and_the_rest_still_checked(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    path = add_rules(
        rs,
        rule("test.no_source", "{fact: person.pregnant, equals: true}", source=None)
        + rule("test.overlap", "{fact: person.is_carer, equals: true}", start="2020-01-01", end="2025-01-01")
        + rule("test.overlap", "{fact: person.is_carer, equals: true}", start="2024-01-01")
        + rule("test.contradiction", "{all: [{fact: person.age, lt: 3}, {fact: person.age, gt: 5}]}"),
    )
    report = lint(rs)
    f = report.findings
    got = find(f, "missing-source", "test.no_source")
    assert (got.file, got.line, got.severity) == ("rules/england/rules/zz_test.yaml", line_of(path, "test.no_source"),
                                                  "error")  # fmt: skip
    got = find(f, "date-overlap", "test.overlap")
    assert got.line == line_of(path, "test.overlap", 2)
    assert f"zz_test.yaml:{line_of(path, 'test.overlap')}" in got.message
    find(f, "never-fires", "test.contradiction")
    assert any("does not load" in n for n in report.notes)
    assert runner.invoke(app, ["rules", "lint", "--ruleset", str(rs)]).exit_code == 1


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(rs, rule("test.gap", "{fact: person.pregnant, equals: true}", end="2021-01-01")
              + rule("test.gap", "{fact: person.pregnant, equals: true}", start="2022-01-01"))
    assert runner.invoke(app, ["rules", "lint", "--ruleset", str(rs)]).exit_code == 0
    assert runner.invoke(app, ["rules", "lint", "--ruleset", str(rs), "--strict"]).exit_code == 1


def test_facts_nobody_can_set_are_errors() -> None:
    rs = load_ruleset()
    rules = [r for r in rs.rules if r.id == "benefits.pip.refused"]
    findings = check_facts(rules, questionnaire={"benefits.pip_stage"}, api=set())
    assert {f.code for f in findings} == {"unsettable-fact"}
    assert any("benefits.pip_decision_date" in f.message for f in findings)
    assert not any("benefits.pip_stage" in f.message for f in findings)
    api_only = check_facts(rules, questionnaire={"benefits.pip_stage"}, api={"benefits.pip_decision_date",
                                                                            "benefits.mr_requested"})  # fmt: skip
    assert {f.code for f in api_only} == {"api-only-fact"}


def test_bad_ruleset_folder_is_one_line_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["rules", "lint", "--ruleset", str(tmp_path)])
    assert r.exit_code == 2 and "triage: error:" in r.output and r.output.strip().count("\n") == 0
