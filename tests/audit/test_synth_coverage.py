"""`triage cases generate` and `triage rules coverage`."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from triage.audit.corpus import read_corpus
from triage.audit.coverage import coverage
from triage.audit.synth import DistributionsError, corpus_generator, generate_corpus, load_distributions
from triage.cli.main import app
from triage.engine.engine import Engine
from triage.engine.flatten import flatten
from triage.facts import parse_facts

runner = CliRunner()
AS_OF = date(2026, 11, 23)


def test_corpus_is_valid_deterministic_and_stable_in_n(engine: Engine, corpus: list[dict[str, Any]]) -> None:
    for case in corpus:
        parse_facts(case["facts"])  # every case is valid
    again = generate_corpus(50, 11, engine.ruleset, AS_OF)
    assert again == corpus[:50]  # case i of a seed does not depend on n
    other = generate_corpus(50, 12, engine.ruleset, AS_OF)
    assert [c["facts"] for c in other] != [c["facts"] for c in again]


def test_corpus_covers_every_issue_and_the_edge_cases(engine: Engine, corpus: list[dict[str, Any]]) -> None:
    issues: Counter[str] = Counter()
    late = clustered = unknown_questions = contradictions = 0
    for case in corpus:
        a = engine.assess(case["facts"], AS_OF)
        issues.update(n.issue for n in a.needs)
        late += any(n.late or any(d.status != "open" for d in n.deadlines) for n in a.needs)
        clustered += len(a.needs) >= 2
        unknown_questions += bool(a.questions)
        contradictions += bool(a.contradictions)
    with_rules = {r.then.need.issue for r in engine.ruleset.in_force(AS_OF) if r.then.need}
    assert set(issues) == with_rules  # every issue a rule can find, found
    assert late > 20 and clustered > 40 and unknown_questions > 200 and contradictions > 3
    tags = Counter(t for c in corpus for t in c["tags"])
    for tag in ("cluster", "passed_deadline", "unknowns", "escalation", "screened_out", "no_problem"):
        assert tags[tag] > 0, tag


def test_distributions_are_data_and_bad_ones_are_named(tmp_path: Path) -> None:
    dist = load_distributions()
    assert dist.areas["housing"] > dist.areas["education"]
    bad = tmp_path / "d.yaml"
    text = Path(__file__).resolve().parents[2].joinpath("rules/synth/distributions.yaml").read_text()
    bad.write_text(text.replace("person.age: {p_known: 0.95", "person.aged: {p_known: 0.95"))
    with pytest.raises(DistributionsError, match=r"person\.aged"):
        load_distributions(bad)
    # More housing in the mix gives more housing cases.
    bad.write_text(text.replace("housing: 30", "housing: 3000"))
    gen = corpus_generator(None, AS_OF, load_distributions(bad))
    cases = [gen.case(1, i) for i in range(len(gen.issues), len(gen.issues) + 100)]
    scenarios = [c for c in cases if "scenario" in c["tags"]]
    housing = sum(any(t.startswith("issue:housing.") for t in c["tags"]) for c in scenarios)
    assert len(scenarios) > 60 and housing >= 0.9 * len(scenarios)


def test_cli_generate_then_coverage(tmp_path: Path, engine: Engine) -> None:
    out = tmp_path / "corpus"
    r = runner.invoke(app, ["cases", "generate", "120", "--seed", "4", "--out", str(out)])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cases"] == 120 and manifest["seed"] == 4 and manifest["ruleset"]["hash"] == engine.ruleset.hash
    records = read_corpus(out)
    assert len(records) == 120 and records[0].ref == "synth-4-000000"
    # Writing over an existing corpus is refused.
    again = runner.invoke(app, ["cases", "generate", "5", "--out", str(out)])
    assert again.exit_code == 2 and "already holds a corpus" in again.output

    report = coverage(engine, records, processes=1)
    expected: Counter[str] = Counter()
    for rec in records:
        facts = parse_facts(rec.facts)
        expected.update({c.rule.id for c in engine.fired_python(flatten(facts, AS_OF))})
    assert report.fired == expected
    assert "housing.possession_private.section_21_notice" in report.never_in_force  # ended 2026-05-01
    assert set(report.never_fired) == {
        rid for rid, _ in report.rules if not expected[rid] and rid not in report.never_in_force
    }
    r = runner.invoke(app, ["rules", "coverage", "--cases", str(out), "--processes", "1"])
    assert r.exit_code == 0 and "120 cases" in r.output and "not in force on any case's day" in r.output
    data = json.loads(runner.invoke(app, ["rules", "coverage", "--cases", str(out), "--format", "json",
                                          "--processes", "1"]).output)  # fmt: skip
    assert {x["rule_id"]: x["fired"] for x in data["rules"]} == {rid: expected[rid] for rid, _ in report.rules}


def test_coverage_reads_hand_written_case_files() -> None:
    from triage.paths import rules_dir

    records = read_corpus(rules_dir() / "examples")
    assert len(records) >= 4 and all(r.as_of for r in records)
