from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF
from tests.rulesets_util import RULE, add_rules, copy_ruleset
from triage.audit.golden import load_golden
from triage.audit.synth import generate
from triage.engine.batch import guided_spans
from triage.engine.engine import Engine
from triage.engine.flatten import flatten
from triage.facts import FactsError, parse_facts
from triage.rulesets.loader import load_ruleset

PIP = {"benefits": {"concern": True, "pip_stage": "refused", "pip_decision_date": "2026-11-03",
                    "mr_requested": False}}  # fmt: skip


def test_pip_refusal_gives_dated_urgent_need(engine: Engine) -> None:
    a = engine.assess(PIP, AS_OF)
    [need] = a.needs
    assert (need.issue, need.tier, need.urgency) == ("benefits.pip", 2, "urgent")
    [d] = need.deadlines
    assert d.date == date(2026, 12, 3) and d.days_left == 10 and d.status == "open"
    assert d.source and d.source[0].url.startswith("https://www.legislation.gov.uk/")
    assert any(r.id == "benefits.pip.refused" for r in need.reasons)
    assert need.reasons[0].facts["benefits.pip_decision_date"] == "2026-11-03"
    assert need.resources, "tier-1 resources attached"


def test_missed_deadline_is_a_late_route_not_silence(engine: Engine) -> None:
    a = engine.assess(PIP, date(2027, 1, 20))
    [need] = a.needs
    assert need.late and need.tier >= 2 and need.urgency in ("urgent", "emergency")
    assert need.deadlines[0].status == "late_route"
    assert any(r.id == "policy.late_route" for r in need.reasons)


def test_an_unknown_exception_never_hides_the_need(engine: Engine) -> None:
    facts = {"benefits": {**PIP["benefits"], "mr_requested": None}}
    a = engine.assess(facts, AS_OF)
    # "has an MR been requested?" unknown: the need and its deadline stand, to confirm,
    # and the rule says it fired on the unknown answer.
    [need] = [n for n in a.needs if n.issue == "benefits.pip"]
    assert need.to_confirm == ["benefits.mr_requested"]
    assert [d.deadline_id for d in need.deadlines] == ["mandatory_reconsideration"]
    [reason] = [r for r in need.reasons if r.id == "benefits.pip.refused"]
    assert reason.fired_on_unknown == ["benefits.mr_requested"]
    assert "benefits.mr_requested" in {q.fact for q in a.questions}
    # Known facts settle it: with the reconsideration asked for, no reconsideration need.
    done = engine.assess({"benefits": {**PIP["benefits"], "mr_requested": True}}, AS_OF)
    assert all(r.id != "benefits.pip.refused" for n in done.needs for r in n.reasons)


def test_a_case_that_says_nothing_raises_nothing(engine: Engine) -> None:
    # Assumed facts never stand in for the problem itself.
    a = engine.assess({}, AS_OF)
    assert a.needs == [] and a.rules_fired == []


def test_same_inputs_same_assessment(engine: Engine) -> None:
    first = engine.assess(PIP, AS_OF).model_dump_json()
    for _ in range(3):
        assert engine.assess(PIP, AS_OF).model_dump_json() == first


def test_cases_are_isolated(engine: Engine) -> None:
    """A case assessed after another gets exactly what it gets on its own."""
    cases = generate(60, seed=7, as_of=AS_OF)
    alone = [engine.assess(c, AS_OF).model_dump_json() for c in cases]
    interleaved = []
    for c in cases:
        engine.assess(PIP, AS_OF)
        interleaved.append(engine.assess(c, AS_OF).model_dump_json())
    assert interleaved == alone


def test_safe_from_worker_threads(engine: Engine) -> None:
    cases = generate(200, seed=11, as_of=AS_OF)
    want = [engine.assess(c, AS_OF).model_dump_json() for c in cases]
    got: list[list[str]] = [[] for _ in range(4)]

    def work(k: int) -> None:
        got[k] = [engine.assess(c, AS_OF).model_dump_json() for c in cases]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(g == want for g in got)


def test_durable_rules_and_python_agree_on_varied_cases(engine: Engine) -> None:
    seeds = [c.facts for c in load_golden(engine.ruleset.root)]
    for data in generate(1500, seed=3, as_of=AS_OF, seeds=seeds):
        facts = parse_facts(data)
        for day in (AS_OF, date(2026, 3, 1)):
            flat = flatten(facts, day)
            durable = [c.rule.id for c in engine.fired_rules(flat)]
            python = [c.rule.id for c in engine.fired_python(flat)]
            assert durable == python, data["case_ref"]


def test_case_matching_no_rule_is_fine(engine: Engine) -> None:
    a = engine.assess({}, AS_OF)
    assert a.needs == [] and a.rules_fired == []
    assert a.questions, "an empty case still has questions worth asking"


def test_bad_facts_raise_with_path(engine: Engine) -> None:
    with pytest.raises(FactsError, match=r"person\.age"):
        engine.assess({"person": {"age": -4}}, AS_OF)


def test_only_rules_in_force_apply(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    add_rules(rs, RULE.format(rid="test.dated.rule", start="2027-01-01",
                              when="{fact: benefits.sanctioned, equals: true}")
              .replace("need: {issue: benefits.pip", "need: {issue: benefits.uc_sanction"))  # fmt: skip
    engine = Engine(load_ruleset(rs))
    facts = {"benefits": {"sanctioned": True}}
    before = engine.assess(facts, date(2026, 12, 31))
    after = engine.assess(facts, date(2027, 1, 1))
    assert "test.dated.rule" not in before.rules_fired
    assert "test.dated.rule" in after.rules_fired


def test_any_with_two_true_branches_counts_once(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    when = ("{any: [{fact: benefits.sanctioned, equals: true}, "
            "{fact: benefits.hardship_payment, equals: true}]}")  # fmt: skip
    add_rules(rs, RULE.format(rid="test.or.rule", start="2020-01-01", when=when))
    engine = Engine(load_ruleset(rs))
    a = engine.assess({"benefits": {"sanctioned": True, "hardship_payment": True}}, AS_OF)
    assert a.rules_fired.count("test.or.rule") == 1
    [need] = [n for n in a.needs if n.issue == "benefits.pip"]
    assert [r.id for r in need.reasons].count("test.or.rule") == 1


def test_on_unknown_fire_fires_when_unknown_and_says_so(tmp_path: Path) -> None:
    rs = copy_ruleset(tmp_path)
    text = RULE.format(rid="test.unknown.fire", start="2020-01-01",
                       when="{fact: benefits.no_income_now, equals: true}")  # fmt: skip
    add_rules(rs, text + "    on_unknown: fire\n")
    engine = Engine(load_ruleset(rs))
    a = engine.assess({"benefits": {"concern": True}}, AS_OF)
    [reason] = [r for n in a.needs for r in n.reasons if r.id == "test.unknown.fire"]
    assert reason.fired_on_unknown == ["benefits.no_income_now"]
    b = engine.assess({"benefits": {"no_income_now": False}}, AS_OF)
    assert "test.unknown.fire" not in b.rules_fired


def test_batch_over_processes_matches_one_by_one(engine: Engine) -> None:
    cases = generate(600, seed=5, as_of=AS_OF)
    one = [engine.assess(c, AS_OF) for c in cases]
    many = engine.assess_batch(cases, AS_OF, processes=2, chunk_size=100)
    assert [a.model_dump_json() for a in many] == [a.model_dump_json() for a in one]


def test_a_batch_read_from_a_generator_matches_one_by_one(engine: Engine) -> None:
    cases = generate(300, seed=6, as_of=AS_OF)
    one = [engine.assess(c, AS_OF).model_dump_json() for c in cases]
    assert list(engine.iter_batch_json(iter(cases), AS_OF, processes=2, chunk_size=40)) == one


@pytest.mark.parametrize("processes", [1, 2])
def test_a_bad_case_in_a_batch_is_named_by_its_place_and_field(engine: Engine, processes: int) -> None:
    cases = generate(300, seed=7, as_of=AS_OF)
    cases[222] = {**cases[222], "person": {"age": -4}}
    good = [engine.assess(c, AS_OF).model_dump_json() for c in cases[:222]]
    got = []
    with pytest.raises(FactsError) as caught:
        for text in engine.iter_batch_json(cases, AS_OF, processes=processes, chunk_size=50):
            got.append(text)
    assert got == good, "every case before the bad one, in order"
    assert [path for path, _ in caught.value.problems] == ["person.age"]
    assert "while working batch item 222" in caught.value.__notes__


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"chunk_size": 0}, ValueError, r"chunk_size must be .* at least 1, got 0"),
        ({"chunk_size": -5}, ValueError, r"chunk_size must be .* at least 1, got -5"),
        ({"processes": 0}, ValueError, r"processes must be .* at least 1, got 0"),
        ({"as_of": "2026-11-23"}, TypeError, r"as_of must be a date"),
    ],
)
def test_batches_refuse_bad_arguments_by_name(
    engine: Engine, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    cases = generate(4, seed=5, as_of=AS_OF)
    args: dict[str, Any] = {"as_of": AS_OF, "processes": 2, "chunk_size": 1, **kwargs}
    with pytest.raises(error, match=message):
        engine.assess_batch(cases, **args)
    with pytest.raises(error, match=message):
        next(engine.iter_batch_json(cases, **args))


@pytest.mark.parametrize(("n", "size", "procs"), [(20_000, 500, 2), (601, 100, 2), (7, 500, 4), (0, 10, 2)])
def test_batch_spans_cover_every_case_once_and_shrink_at_the_end(n: int, size: int, procs: int) -> None:
    spans = list(guided_spans(n, size, procs))
    assert [i for lo, hi in spans for i in range(lo, hi)] == list(range(n))
    lengths = [hi - lo for lo, hi in spans]
    assert all(0 < k <= size for k in lengths)
    assert lengths == sorted(lengths, reverse=True), "spans never grow"
    if n >= 4 * procs * size:
        assert lengths[0] == size and lengths[-1] < size // 8, "full chunks first, short ones last"


def test_compiled_conditions_agree_with_the_tree_walk(engine: Engine) -> None:
    """Conditions run as generated Python; the plain tree walk is the reference."""
    from triage.audit.golden import load_golden
    from triage.rulesets.conditions import interpret

    cases = load_golden(engine.ruleset.root)
    flats = [flatten(parse_facts(c.facts), c.as_of) for c in cases]
    flats += [flatten(parse_facts(c), AS_OF) for c in generate(300, seed=11, as_of=AS_OF)]
    checked = 0
    for c in engine.compiled.rules:
        walk = interpret(c.rule.condition)
        # "Asking" mode, used by the question search: "is X known?" is unknown while X is missing.
        walk_asking = interpret(c.rule.condition, asking=True)
        for flat in flats:
            assert c.evaluate(flat) == walk(flat), (c.rule.id, flat)
            assert c.asking(flat) == walk_asking(flat), (c.rule.id, flat)
            checked += 1
    assert checked > 100_000


def test_an_unknown_deadline_date_is_a_question_and_the_need_stands(engine: Engine) -> None:
    """A PIP refusal with no decision date: the need is not dropped, and the date is asked for."""
    a = engine.assess({"benefits": {"concern": True, "pip_stage": "refused", "mr_requested": False}}, AS_OF)
    assert [(n.issue, n.tier, n.urgency, n.deadlines) for n in a.needs] == [("benefits.pip", 2, "soon", [])]
    assert "benefits.pip_decision_date" in [q.fact for q in a.questions]
    dated = engine.assess(
        {"benefits": {"concern": True, "pip_stage": "refused", "mr_requested": False,
                      "pip_decision_date": "2026-11-03"}}, AS_OF)  # fmt: skip
    assert "benefits.pip_decision_date" not in [q.fact for q in dated.questions]
    assert [d.date.isoformat() for d in dated.needs[0].deadlines] == ["2026-12-03"]


def test_generated_question_scan_agrees_with_the_interpreted_one(engine: Engine) -> None:
    """The question search runs as generated code; the plain loop is its reference."""
    from triage.engine import findings

    calls = {"n": 0}
    inner = findings._questions

    def both(*args: object, **kwargs: object) -> object:
        fast = inner(*args, **kwargs)  # type: ignore[arg-type]
        plain = inner(*args, **kwargs, interpreted=True)  # type: ignore[arg-type]
        assert fast == plain
        calls["n"] += 1
        return fast

    findings._questions = both  # type: ignore[assignment]
    later = date(2027, 6, 1)  # another day: other rules in force, other deadlines passed
    try:
        for day in (AS_OF, later):
            for c in generate(600, seed=13, as_of=day):
                engine.assess(c, day)
    finally:
        findings._questions = inner
    assert calls["n"] == 1200


def test_engine_in_force_picks_the_installed_version(engine: Engine) -> None:
    from triage.rulesets.registry import RegistryError

    today = Engine.in_force(AS_OF)
    assert today.ruleset.version == engine.ruleset.version and today.ruleset.hash == engine.ruleset.hash
    # Before the earliest installed version: that version, whose rules carry their own dates.
    assert Engine.in_force(date(2020, 1, 1)) is today
    assert Engine.in_force(AS_OF, version=engine.ruleset.version) is today
    with pytest.raises(RegistryError, match=r"no version '1999\.1\.1'"):
        Engine.in_force(AS_OF, version="1999.1.1")


def test_assessments_built_without_validation_still_validate(engine: Engine) -> None:
    """Output models skip validation when the engine builds them; every one must still pass it."""
    from triage.engine.assessment import Assessment

    seen_questions = seen_deadlines = 0
    for c in generate(300, seed=21, as_of=AS_OF):
        a = engine.assess(c, AS_OF)
        again = Assessment.model_validate_json(a.model_dump_json())
        assert again == a
        seen_questions += len(a.questions)
        seen_deadlines += sum(len(n.deadlines) for n in a.needs)
    assert seen_questions and seen_deadlines  # the check covered the nested models


def test_trusted_construction_rejects_what_is_not_a_field() -> None:
    from pydantic_core import PydanticSerializationError

    from triage.engine.assessment import Question

    with pytest.raises(TypeError, match="not fields: \\['colour'\\]"):
        Question.trusted(fact="housing.tenure", question="?", could_change=[], colour="red")
    # A required field left out cannot slip through to the output unnoticed.
    with pytest.raises(PydanticSerializationError):
        Question.trusted(fact="housing.tenure", question="?").model_dump_json()
    # Defaults that are containers are never shared between instances.
    from triage.engine.assessment import Reason

    a = Reason.trusted(kind="policy", id="p", text="t", source=[])
    b = Reason.trusted(kind="policy", id="p", text="t", source=[])
    assert a.facts == {} and a.facts is not b.facts


def test_the_question_search_refuses_rules_it_cannot_rank(engine: Engine) -> None:
    """Contradictions change no need; handed one, the scan compiler says so rather than guessing."""
    from triage.engine.findings import _weight
    from triage.engine.questions import compile_scan

    contradiction = next(c for c in engine.compiled.rules if c.rule.then.contradiction is not None)
    with pytest.raises(ValueError, match=f"rule {contradiction.rule.id}: the question search takes"):
        compile_scan((contradiction,), _weight)
