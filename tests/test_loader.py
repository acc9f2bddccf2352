from __future__ import annotations

from pathlib import Path

import pytest

from tests.rulesets_util import RULE, add_rules, copy_ruleset
from triage.rulesets.loader import RuleSetError, load_ruleset


def problems(root: Path) -> list[str]:
    with pytest.raises(RuleSetError) as exc:
        load_ruleset(root)
    return [str(p) for p in exc.value.problems]


def test_bundled_ruleset_loads_with_version_and_hash() -> None:
    rs = load_ruleset()
    assert rs.name == "england" and rs.version
    assert len(rs.hash) == 64
    assert len(rs.rules) > 0


def test_unknown_fact_names_file_line_and_rule(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(rs, RULE.format(rid="test.bad.fact", when="{fact: benefits.nope, equals: true}",
                              start="2020-01-01"))  # fmt: skip
    [msg] = problems(rs)
    assert msg.startswith("rules/england/rules/zz_test.yaml:2: rule test.bad.fact:")
    assert "no case fact called 'benefits.nope'" in msg


def test_bad_value_for_choice_fact(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(rs, RULE.format(rid="test.bad.value", when="{fact: benefits.pip_stage, equals: maybe}",
                              start="2020-01-01"))  # fmt: skip
    [msg] = problems(rs)
    assert "zz_test.yaml:2: rule test.bad.value" in msg and "'maybe' is not a value" in msg


def test_missing_source_is_reported(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    text = RULE.format(rid="test.no.source", when="{fact: benefits.sanctioned, equals: true}",
                       start="2020-01-01")  # fmt: skip
    text = "\n".join(line for line in text.splitlines() if "source:" not in line)
    add_rules(rs, text)
    [msg] = problems(rs)
    assert "rule test.no.source" in msg and "source: Field required" in msg


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    (rs / "rules" / "zz_test.yaml").write_text("rules:\n  - id: x\n    title: [unclosed\n")
    [msg] = problems(rs)
    assert msg.startswith("rules/england/rules/zz_test.yaml:")
    assert "invalid YAML" in msg


def test_duplicate_key_refused(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    text = RULE.format(rid="test.dup", when="{fact: benefits.sanctioned, equals: true}",
                       start="2020-01-01") + "    title: Again\n"  # fmt: skip
    add_rules(rs, text)
    [msg] = problems(rs)
    assert "duplicate key 'title'" in msg


def test_overlapping_dates_for_same_rule_id(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    when = "{fact: benefits.sanctioned, equals: true}"
    add_rules(rs, RULE.format(rid="test.twice", when=when, start="2020-01-01")
              + RULE.format(rid="test.twice", when=when, start="2021-01-01"))  # fmt: skip
    [msg] = problems(rs)
    assert "rule test.twice" in msg and "in force at the same time" in msg


def test_unknown_issue_and_deadline(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(
        rs,
        """
  - id: test.bad.refs
    title: Refers to things that do not exist
    when: {fact: benefits.sanction_decision_date, known: true}
    then:
      need:
        issue: benefits.nothing
        tier: 2
        urgency: routine
        deadlines: [{use: no_such_deadline, from_fact: benefits.sanction_decision_date}]
    source: {title: Test source, url: "https://www.legislation.gov.uk/x", kind: statute}
    effective_from: 2020-01-01
""",
    )
    msgs = problems(rs)
    assert any("no deadline called 'no_such_deadline'" in m for m in msgs)
    assert any("unknown issue code 'benefits.nothing'" in m for m in msgs)
    assert all(":2: rule test.bad.refs:" in m for m in msgs)


def test_content_hash_changes_with_any_rule_file(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    before = load_ruleset(rs).hash
    assert load_ruleset(rs).hash == before
    add_rules(rs, RULE.format(rid="test.extra", when="{fact: benefits.sanctioned, equals: true}",
                              start="2020-01-01"))  # fmt: skip
    assert load_ruleset(rs).hash != before


def test_not_a_ruleset_folder(tmp_path: Path) -> None:
    [msg] = problems(tmp_path)
    assert "no ruleset.yaml" in msg


def test_on_unknown_must_name_facts_the_rule_tests_and_give_a_reason(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    text = RULE.format(rid="test.bad.unknown", when="{fact: benefits.sanctioned, equals: true}", start="2020-01-01")
    stray = "    on_unknown:\n      ask: [benefits.mr_requested]\n      reason: Read the fact the rule tests.\n"
    add_rules(rs, text + stray)
    [msg] = problems(rs)
    assert msg.startswith("rules/england/rules/zz_test.yaml:2: rule test.bad.unknown:")
    assert "benefits.mr_requested is not a fact this rule's condition tests" in msg
    add_rules(rs, text + "    on_unknown:\n      ask: [benefits.sanctioned]\n")
    # One message, at the on_unknown line, for the form given (not one per form the field accepts).
    [msg] = problems(rs)
    assert msg == "rules/england/rules/zz_test.yaml:10: rule test.bad.unknown: on_unknown: reason: Field required"


def test_a_deadline_without_its_lead_time_is_refused(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    path = rs / "deadlines" / "benefits.yaml"
    text = path.read_text()
    start = text.index("    lead_time:\n", text.index("- id: mandatory_reconsideration\n"))
    end = text.index("\n    source:", start)
    path.write_text(text[:start] + text[end + 1 :])
    found = problems(rs)
    assert any("deadlines/benefits.yaml" in m and "mandatory_reconsideration" in m and "lead_time" in m
               for m in found), found  # fmt: skip


def test_a_late_label_too_long_for_a_letter_line_is_refused(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    path = rs / "deadlines" / "benefits.yaml"
    text = path.read_text()
    old = "      label: Late mandatory reconsideration (special circumstances, within 13 months of the decision)\n"
    assert old in text
    path.write_text(text.replace(old, "      label: " + "x" * 201 + "\n", 1))
    found = problems(rs)
    assert any("deadlines/benefits.yaml" in m and "label" in m and "200" in m for m in found), found
