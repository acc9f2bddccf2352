"""Legal parameters (rules/england/parameters/*.yaml): dated, sourced, named from rules."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.rulesets_util import RULE, add_rules, copy_ruleset
from triage.engine.deadlines import acas_extended, compute
from triage.paths import default_ruleset_dir
from triage.rulesets.conditions import All, Any_, Cmp, Cond, Not
from triage.rulesets.loader import ACAS_AFTER_CERTIFICATE, RuleSetError, load_ruleset
from triage.rulesets.model import Duration

GROSS = "legal_aid.gross_monthly_income_limit"
REF = "{fact: person.gross_monthly_income, lte: {param: %s}}"

# A parameter of our own whose value changes on 2024-01-01.
TESTING = """parameters:
  - name: testing.limit
    description: A limit that changes, for tests
    unit: GBP_per_month
    values:
      - from: 2020-01-01
        value: 100
        source: {title: Test source, url: "https://www.legislation.gov.uk/x", kind: regulation}
      - from: 2024-01-01
        value: 200
        source: {title: Test source, url: "https://www.legislation.gov.uk/y", kind: regulation}
"""


def problems(root: Path) -> list[str]:
    with pytest.raises(RuleSetError) as exc:
        load_ruleset(root)
    return [str(p) for p in exc.value.problems]


def with_testing_parameter(tmp_path: Path, text: str = TESTING) -> Path:
    rs = copy_ruleset(tmp_path)
    (rs / "parameters" / "testing.yaml").write_text(text)
    return rs


def _limit(cond: Cond) -> list[object]:
    """The values every comparison in ``cond`` compares with."""
    if isinstance(cond, Cmp):
        return [cond.value]
    if isinstance(cond, Not):
        return _limit(cond.item)
    if isinstance(cond, (All, Any_)):
        return [v for c in cond.items for v in _limit(c)]
    return []


def test_a_parameter_resolves_by_date() -> None:
    rs = load_ruleset()
    assert rs.parameter(GROSS, date(2026, 12, 2)) == 2657
    assert rs.parameter(GROSS, date(2013, 4, 1)) == 2657
    assert rs.parameter(GROSS, date(2013, 3, 31)) is None  # before SI 2013/480
    assert rs.parameter("no.such_parameter", date(2026, 12, 2)) is None
    period = "employment.early_conciliation_period"
    assert rs.parameter(period, date(2020, 11, 30)) == Duration(months=1)
    assert rs.parameter(period, date(2020, 12, 1)) == Duration(weeks=6)
    assert rs.parameter(period, date(2025, 11, 30)) == Duration(weeks=6)
    assert rs.parameter(period, date(2025, 12, 1)) == Duration(weeks=12)


def test_a_rule_gets_the_value_in_force_for_its_dates(tmp_path: Path) -> None:
    rs = with_testing_parameter(tmp_path)
    text = RULE.format(rid="test.param.old", when=REF % "testing.limit", start="2020-06-01")
    text += "    effective_to: 2024-01-01\n"
    text += RULE.format(rid="test.param.new", when=REF % "testing.limit", start="2024-01-01")
    add_rules(rs, text)
    loaded = load_ruleset(rs)
    old, new = loaded.rule("test.param.old"), loaded.rule("test.param.new")
    assert old is not None and new is not None
    assert 100 in _limit(old.condition) and 200 in _limit(new.condition)
    assert loaded.rule_parameters[("test.param.new", date(2024, 1, 1))] == {"testing.limit": 200}


def test_the_bundled_rules_resolve_the_gross_income_limit() -> None:
    rs = load_ruleset()
    users = [key for key, used in rs.rule_parameters.items() if GROSS in used]
    assert len(users) == 20  # + debt.home_at_risk.legal_aid, immigration.asylum_support.legal_aid,
    # housing.legal_aid.temporary_accommodation
    for rule_id, start in users:
        rule = rs.rule(rule_id, start)
        assert rule is not None and 2657 in _limit(rule.condition)


def test_unknown_parameter_names_file_line_and_rule(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(rs, RULE.format(rid="test.bad.param", when=REF % "legal_aid.gross_income_limt",
                              start="2020-01-01"))  # fmt: skip
    [msg] = problems(rs)
    # Line 4 is the `when:` line, where the reference is written.
    assert msg.startswith("rules/england/rules/zz_test.yaml:4: rule test.bad.param:")
    assert "no parameter called 'legal_aid.gross_income_limt'" in msg


def test_a_change_of_value_inside_a_rules_window_is_an_error(tmp_path: Path) -> None:
    rs = with_testing_parameter(tmp_path)
    add_rules(rs, RULE.format(rid="test.param.spans", when=REF % "testing.limit", start="2020-01-01"))
    [msg] = problems(rs)
    assert msg.startswith("rules/england/rules/zz_test.yaml:4: rule test.param.spans:")
    assert "testing.limit changes on 2024-01-01 (from 100 to 200)" in msg
    assert "split the rule at 2024-01-01" in msg


def test_a_rule_that_starts_before_the_first_value_is_an_error(tmp_path: Path) -> None:
    rs = with_testing_parameter(tmp_path)
    text = RULE.format(rid="test.param.early", when=REF % "testing.limit", start="2019-01-01")
    add_rules(rs, text + "    effective_to: 2020-06-01\n")
    [msg] = problems(rs)
    assert "rule test.param.early" in msg and "no value on 2019-01-01" in msg


def test_a_period_parameter_cannot_stand_for_a_number(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(rs, RULE.format(rid="test.param.period", when=REF % ACAS_AFTER_CERTIFICATE,
                              start="2020-01-01"))  # fmt: skip
    [msg] = problems(rs)
    assert "rule test.param.period" in msg and "is a period (1 month), not a number" in msg


def test_every_parameter_has_a_source_and_a_from_date() -> None:
    rs = load_ruleset()
    assert rs.parameters, "no parameters loaded"
    for p in rs.parameters.values():
        assert p.file.startswith("rules/england/parameters/") and p.line > 0
        assert p.description and p.unit
        for v in p.values:
            assert isinstance(v.from_, date)
            assert v.source and all(s.url.startswith("https://") and s.title for s in v.source)


def test_a_value_without_a_source_is_refused(tmp_path: Path) -> None:
    text = "\n".join(line for line in TESTING.splitlines() if 'url: "https://www.legislation.gov.uk/y"' not in line)
    rs = with_testing_parameter(tmp_path, text + "\n")
    [msg] = problems(rs)
    assert msg.startswith("rules/england/parameters/testing.yaml:")
    assert "testing.limit" in msg and "values.1.source: Field required" in msg


def test_a_parameter_lives_in_the_file_named_after_it(tmp_path: Path) -> None:
    rs = with_testing_parameter(tmp_path, TESTING.replace("testing.limit", "legal_aid.limit"))
    [msg] = problems(rs)
    assert "parameters/testing.yaml:2:" in msg and "must be called testing.*" in msg


def test_values_must_be_in_date_order(tmp_path: Path) -> None:
    rs = with_testing_parameter(tmp_path, TESTING.replace("2024-01-01", "2019-01-01"))
    [msg] = problems(rs)
    assert "testing.yaml" in msg and "date order" in msg


def test_no_legal_aid_limit_is_copied_into_the_rules() -> None:
    rs = load_ruleset()
    numbers = {
        v.value for p in rs.parameters.values() if p.name.startswith("legal_aid.")
        for v in p.values if isinstance(v.value, (int, float))
    }  # fmt: skip
    assert 2657 in numbers
    for path in sorted((default_ruleset_dir() / "rules").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for n in numbers:
            plain, grouped = f"{n:g}", f"{n:,g}"
            for form in {plain, grouped}:
                hit = re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d])", text)
                assert hit is None, (
                    f"{path.name}:{text[: hit.start()].count(chr(10)) + 1}: the legal aid figure {form} is"
                    " copied; name the parameter instead ({param: legal_aid....})"
                )


def test_the_content_hash_covers_the_parameters(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    before = load_ruleset(rs)
    assert "rules/england/parameters/legal_aid.yaml" in before.files
    path = rs / "parameters" / "legal_aid.yaml"
    path.write_text(path.read_text() + "# an auditor's note\n")
    assert load_ruleset(rs).hash != before.hash


def test_the_acas_extension_comes_from_the_parameter(tmp_path: Path) -> None:
    dismissed, as_of = date(2026, 9, 10), date(2026, 11, 20)
    acas = (date(2026, 10, 20), date(2026, 11, 17))
    bundled = load_ruleset().deadline("employment_unfair_dismissal_claim", dismissed)
    assert bundled is not None and bundled.acas_after_certificate == Duration(months=1)
    # Same answer as before the parameter existed (golden case emp-sickness-dismissal-acas-extension).
    assert compute(bundled, dismissed, as_of, acas).due == acas_extended(date(2026, 12, 9), *acas)

    rs = copy_ruleset(tmp_path)
    path = rs / "parameters" / "employment.yaml"
    after = '\n        source:\n          title: "Employment Rights'
    path.write_text(path.read_text().replace("value: {months: 1}" + after, "value: {months: 2}" + after))
    changed = load_ruleset(rs).deadline("employment_unfair_dismissal_claim", dismissed)
    assert changed is not None and changed.acas_after_certificate == Duration(months=2)
    # Limit 9 Dec + 28 days = 6 Jan 2027, inside the window to 17 Jan: it ends on 17 Jan.
    assert compute(changed, dismissed, as_of, acas).due == date(2027, 1, 17)


def test_an_acas_parameter_change_inside_a_deadlines_window_is_an_error(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    path = rs / "parameters" / "employment.yaml"
    extra = """      - from: 2027-01-01
        value: {months: 2}
        source: {title: Test source, url: "https://www.legislation.gov.uk/z", kind: statute}
"""
    text = path.read_text()
    anchor = "          kind: statute\n\n  - name: employment.early_conciliation_period"
    assert anchor in text
    path.write_text(text.replace(anchor, "          kind: statute\n" + extra
                                 + "\n  - name: employment.early_conciliation_period"))  # fmt: skip
    found = problems(rs)
    assert found and all("acas_extension" in m and "changes on 2027-01-01" in m for m in found)
    assert any(m.startswith("rules/england/deadlines/employment.yaml:") and "employment_unfair_dismissal_claim" in m
               for m in found)  # fmt: skip
