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
    assert a.questions[0].fact == "benefits.mr_requested"  # the deciding question first
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


def test_interpret_agrees_with_durable_rules(engine: Engine) -> None:
    """``conditions.interpret`` is the one Python evaluator: on every rule it fires where durable-rules does.

    The "asking" form the question search uses ("is X known?" unknown while X
    is missing) may only be less certain; the search's two shortcuts hold: a
    rule with every fact known is settled, one with every fact missing is unknown.
    """
    from triage.audit.golden import load_golden
    from triage.rulesets.conditions import interpret

    cases = load_golden(engine.ruleset.root)
    flats = [flatten(parse_facts(c.facts), c.as_of) for c in cases]
    flats += [flatten(parse_facts(c), AS_OF) for c in generate(300, seed=11, as_of=AS_OF)]
    walks = [(c, interpret(c.rule.condition), interpret(c.rule.condition, asking=True)) for c in engine.compiled.rules]
    checked = 0
    for flat in flats:
        durable = {c.rule.id for c in engine.fired_rules(flat)}
        walked = set()
        for c, walk, walk_asking in walks:
            result, asked = walk(flat), walk_asking(flat)
            if c.fires(flat):
                walked.add(c.rule.id)
            # Firing on unknown (an assumed fact missing) is exactly what ``possible`` adds.
            if c.in_force(flat["__as_of"]) and result is None and c.possible(flat) is True:
                assert c.assumed, c.rule.id
            assert asked is None or asked == result, (c.rule.id, flat)
            known = sum(spec.key in flat for spec in c.facts)
            if known == len(c.facts):
                assert asked is not None, (c.rule.id, flat)
            elif known == 0:
                assert asked is None, (c.rule.id, flat)
            checked += 1
        assert walked == durable, flat
    assert checked > 100_000


_KLEENE = [
    # (condition, flat, plain, asking): hand-worked three-valued truth.
    ({"fact": "housing.tenure", "equals": "council"}, {}, None, None),
    ({"fact": "housing.tenure", "equals": "council"}, {"housing__tenure": "council"}, True, True),
    ({"fact": "housing.tenure", "equals": "council"}, {"housing__tenure": "private_rented"}, False, False),
    ({"not": {"fact": "housing.tenure", "equals": "council"}}, {}, None, None),
    ({"not": {"fact": "housing.tenure", "equals": "council"}}, {"housing__tenure": "council"}, False, False),
    ({"fact": "housing.tenure", "not_equals": "council"}, {"housing__tenure": "private_rented"}, True, True),
    ({"fact": "housing.tenure", "in": ["council", "housing_association"]},
     {"housing__tenure": "housing_association"}, True, True),
    ({"fact": "housing.tenure", "in": ["council", "housing_association"]}, {}, None, None),
    ({"fact": "housing.tenure", "not_in": ["council", "housing_association"]},
     {"housing__tenure": "council"}, False, False),
    ({"fact": "housing.tenure", "not_in": ["council", "housing_association"]},
     {"housing__tenure": "private_rented"}, True, True),
    # all: one False decides, whatever is unknown; an unknown and no False is unknown
    ({"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]},
     {"housing__tenure": "private_rented"}, False, False),
    ({"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]},
     {"housing__tenure": "council"}, None, None),
    ({"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]},
     {"housing__tenure": "council", "housing__arrears_months": 3}, True, True),
    # any: one True decides, whatever is unknown; an unknown and no True is unknown
    ({"any": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]},
     {"housing__arrears_months": 5}, True, True),
    ({"any": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]},
     {"housing__arrears_months": 1}, None, None),
    ({"any": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]},
     {"housing__tenure": "private_rented", "housing__arrears_months": 1}, False, False),
    # not of unknown stays unknown; De Morgan over a decided branch
    ({"not": {"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]}},
     {"housing__tenure": "private_rented"}, True, True),
    ({"not": {"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.arrears_months", "gte": 3}]}},
     {"housing__tenure": "council"}, None, None),
    # known / unknown are never unknown themselves, except while asking
    ({"fact": "housing.hearing_date", "known": True}, {}, False, None),
    ({"fact": "housing.hearing_date", "known": True}, {"housing__hearing_date": 3}, True, True),
    ({"fact": "housing.hearing_date", "unknown": True}, {}, True, None),
    ({"fact": "housing.hearing_date", "unknown": True}, {"housing__hearing_date": 3}, False, False),
    ({"all": [{"fact": "housing.hearing_date", "known": True},
              {"fact": "housing.hearing_date", "days_from_as_of": {"gte": 0, "lte": 14}}]}, {}, False, None),
    ({"all": [{"fact": "housing.hearing_date", "known": True},
              {"fact": "housing.hearing_date", "days_from_as_of": {"gte": 0, "lte": 14}}]},
     {"housing__hearing_date": 20}, False, False),
    ({"any": [{"fact": "housing.hearing_date", "unknown": True}, {"fact": "benefits.mr_requested", "equals": True}]},
     {}, True, None),
    ({"any": [{"fact": "housing.hearing_date", "unknown": True}, {"fact": "benefits.mr_requested", "equals": True}]},
     {"benefits__mr_requested": True}, True, True),
    ({"any": [{"fact": "housing.hearing_date", "unknown": True}, {"fact": "benefits.mr_requested", "equals": True}]},
     {"housing__hearing_date": 5, "benefits__mr_requested": False}, False, False),
    # dates as whole days from as_of, both ends inclusive
    ({"fact": "housing.hearing_date", "days_from_as_of": {"gte": 0, "lte": 14}}, {"housing__hearing_date": -1},
     False, False),
    ({"fact": "housing.hearing_date", "days_from_as_of": {"gte": 0, "lte": 14}}, {"housing__hearing_date": 0},
     True, True),
    ({"fact": "housing.hearing_date", "days_from_as_of": {"gte": 0, "lte": 14}}, {}, None, None),
    # a list fact: one yes/no key per member
    ({"fact": "health.conditions", "contains": "respiratory"}, {}, None, None),
    ({"fact": "health.conditions", "contains": "respiratory"},
     {"health__conditions": 1, "health__conditions__respiratory": True}, True, True),
    ({"not": {"fact": "health.conditions", "contains": "respiratory"}},
     {"health__conditions": 1, "health__conditions__respiratory": True}, False, False),
    ({"not": {"fact": "health.conditions", "contains": "respiratory"}},
     {"health__conditions": 1, "health__conditions__respiratory": False}, True, True),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "flat", "plain", "asking"), _KLEENE)
def test_interpret_gives_the_kleene_value(raw: dict[str, Any], flat: dict[str, Any], plain: bool | None,
                                          asking: bool | None) -> None:  # fmt: skip
    from triage.rulesets.conditions import interpret, parse, push_not

    for cond in (parse(raw), push_not(parse(raw))):  # negations as written, and pushed to the leaves
        assert interpret(cond)(flat) is plain
        assert interpret(cond, asking=True)(flat) is asking


def test_durable_rules_fires_on_the_hand_worked_kleene_values(tmp_path: Path) -> None:
    """Each condition above as a rule: durable-rules fires it exactly where its value is True."""
    import json

    rs = copy_ruleset(tmp_path)
    add_rules(rs, "".join(RULE.format(rid=f"test.kleene.{i}", start="2020-01-01", when=json.dumps(raw))
                          for i, (raw, _, _, _) in enumerate(_KLEENE)))  # fmt: skip
    own = Engine(load_ruleset(rs))
    base = flatten(parse_facts({}), AS_OF)
    for i, (_, flat, plain, _) in enumerate(_KLEENE):
        fired = {c.rule.id for c in own.fired_rules({**base, **flat})}
        assert (f"test.kleene.{i}" in fired) is (plain is True), (i, flat)


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


def test_the_question_search_reads_no_screened_out_area(engine: Engine) -> None:
    """The search scans only rule groups whose areas are all answered and none screened out.

    So it never needs to test a fact's area against the screened-out ones.
    """
    from triage.engine.findings.question_search import _CONCERN_KEYS, _SECTION_OF_KEY

    later = date(2027, 6, 1)  # another day: other rules in force, other deadlines passed
    scanned = 0
    for day in (AS_OF, later):
        for c in generate(600, seed=13, as_of=day):
            flat = flatten(parse_facts(c), day)
            screened_out = {s for s, key in _CONCERN_KEYS if flat.get(key) is False}
            live = frozenset(map(_SECTION_OF_KEY.get, flat)).difference(screened_out, (None,))
            for plan in engine.findings.live_plans(flat["__as_of"], live).plans():
                assert not {spec.section for spec in plan.facts} & screened_out, plan.rule.rule.id
                assert plan.rule.in_force(flat["__as_of"])
                scanned += 1
    assert scanned > 10_000


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


def test_the_question_search_holds_no_contradictions(engine: Engine) -> None:
    """Contradictions change no need, so they never raise a question."""
    contradictions = {c.rule.id for c in engine.compiled.rules if c.rule.then.contradiction is not None}
    held = {plan.rule.rule.id for _, plans in engine.findings.question_groups(AS_OF.toordinal()) for plan in plans}
    assert contradictions and held and not contradictions & held


def test_the_question_search_sorts_plans_by_what_they_would_change(engine: Engine) -> None:
    """Each live plan is read once, by the kind of result its rule gives, with its harm band worked out ahead."""
    from triage.engine.findings.plans import EMERGENCY_OR_DEADLINE, OTHER
    from triage.engine.findings.question_search import _AREA_SECTIONS

    every = frozenset(_AREA_SECTIONS)
    live = engine.findings.live_plans(AS_OF.toordinal(), every)
    held = [p.rule.rule.id for p in live.plans()]
    assert len(held) == len(set(held))
    assert all(p.rule.rule.then.need is not None for p in live.needs)
    assert all(p.rule.rule.then.escalate is not None for p in live.escalations)
    assert all(p.rule.rule.then.letter is not None for p in live.letters)
    assert {p.rule.rule.id for p in live.plans()} == {
        c.rule.id for c in engine.compiled.rules
        if c.rule.then.contradiction is None and c.in_force(AS_OF.toordinal())
    }  # fmt: skip
    for p in live.needs:
        dated = bool(p.rule.rule.then.need.deadlines)  # type: ignore[union-attr]
        if dated or p.rule.rule.then.need.urgency == "emergency":  # type: ignore[union-attr]
            assert p.harm == EMERGENCY_OR_DEADLINE, p.rule.rule.id
    assert all(p.harm == OTHER for p in live.letters)
    # An escalation applies to the need issues its applies_to matches, worked out once.
    for p in live.escalations:
        esc = p.rule.rule.then.escalate
        assert p.escalation is not None and esc is not None
        assert p.escalation.applies == {
            n.rule.then.need.issue for n in engine.compiled.rules
            if n.rule.then.need is not None and esc.applies_to.matches(n.rule.then.need.issue)
        }  # fmt: skip


def test_preparing_an_engine_moves_it_out_of_the_collectors_way(engine: Engine) -> None:
    import gc

    engine.prepare(AS_OF)
    assert gc.get_freeze_count() > 0


def test_an_assumed_date_keeps_the_need_undated_and_urgent(tmp_path: Path) -> None:
    """A rule may assume the date its time limit counts from (on_unknown: assume): a refusal whose
    letter is lost is still a refusal to challenge; the need stands, undated, urgent, date to confirm."""
    rs = copy_ruleset(tmp_path)
    add_rules(rs, """
  - id: test.assumed.date
    title: Sanction to challenge (test)
    when:
      all:
        - {fact: benefits.sanctioned, equals: true}
        - {fact: benefits.sanction_decision_date, known: true}
    then:
      need:
        issue: benefits.pip
        tier: 2
        urgency: routine
        deadlines: [{use: mandatory_reconsideration, from_fact: benefits.sanction_decision_date}]
    source: {title: Test source, url: "https://www.legislation.gov.uk/x", kind: statute}
    effective_from: 2020-01-01
    on_unknown:
      assume: [benefits.sanction_decision_date]
      reason: The sanction itself is the evidence; its date only counts the month.
""")
    engine = Engine(load_ruleset(rs))
    undated = engine.assess({"benefits": {"sanctioned": True}}, AS_OF)
    [need] = [n for n in undated.needs if n.issue == "benefits.pip"]
    assert need.deadlines == [] and need.urgency == "urgent"
    assert "benefits.sanction_decision_date" in need.to_confirm
    assert any(r.id == "policy.date_unknown" for r in need.reasons)
    confirm = {f for n in undated.needs for f in n.to_confirm}
    assert "benefits.sanction_decision_date" in {q.fact for q in undated.questions[: len(confirm)]}
    # With the date known (3 November: 3 December, 10 days after 23 November) it is dated as usual.
    dated = engine.assess({"benefits": {"sanctioned": True, "sanction_decision_date": "2026-11-03"}}, AS_OF)
    [need] = [n for n in dated.needs if n.issue == "benefits.pip"]
    assert [str(d.date) for d in need.deadlines] == ["2026-12-03"] and need.to_confirm == []
    # Nothing known about a sanction: nothing raised.
    assert engine.assess({"benefits": {"sanctioned": False}}, AS_OF).needs == []


ASYLUM_SUPPORT = {"immigration": {"concern": True, "asylum_support_refused": True,
                                  "asylum_support_decision_date": "2026-11-20",
                                  "asylum_support_accommodation": True}}  # fmt: skip


@pytest.mark.parametrize(
    ("person", "says"),
    [
        ({"passported_benefit": True}, "likely eligible: a passporting benefit"),
        ({"passported_benefit": False, "gross_monthly_income": 1500},
         "gross income £1,500 a month is within the £2,657 limit"),
        ({}, "not known yet"),
    ],
)  # fmt: skip
def test_a_legal_aid_reason_says_which_part_of_the_means_test_holds(
    engine: Engine, person: dict[str, Any], says: str
) -> None:
    a = engine.assess({**ASYLUM_SUPPORT, "person": person}, AS_OF)
    [need] = a.needs
    assert need.legal_aid and need.legal_aid.startswith("LASPO 2012 Sch 1 Pt 1 para 31")
    [r] = [r for r in need.reasons if r.id == "immigration.asylum_support.legal_aid"]
    assert "Means test: " in r.effect and says in r.effect


def test_income_over_the_limit_says_legal_aid_is_unlikely(engine: Engine) -> None:
    a = engine.assess({**ASYLUM_SUPPORT, "person": {"passported_benefit": False, "gross_monthly_income": 3000}}, AS_OF)
    [need] = a.needs
    assert need.legal_aid is None
    [r] = [r for r in need.reasons if r.id == "policy.legal_aid_means"]
    assert "para 31" in r.text and "likely not eligible: gross income £3,000 a month is over the £2,657 limit" in r.text


def test_a_late_route_with_no_outer_limit_is_named_and_has_its_own_urgency(engine: Engine) -> None:
    facts = {"immigration": {**ASYLUM_SUPPORT["immigration"], "asylum_support_decision_date": "2026-11-19"}}
    [need] = engine.assess(facts, AS_OF).needs
    [d] = need.deadlines
    assert d.status == "late_route" and d.late_limit is None
    assert need.late and need.urgency == "emergency"
    [r] = [r for r in need.reasons if r.id == "policy.late_route"]
    assert "Late route open: Late appeal" in r.text and "no fixed outer limit" in r.text


def test_only_linked_needs_are_lifted_by_the_cluster(engine: Engine) -> None:
    facts = {
        "person": {"passported_benefit": False, "gross_monthly_income": 3000},
        "debt": {"concern": True, "priority_debts": ["rent"], "council_tax_stage": "reminder"},
        "benefits": {"concern": True, "housing_costs_shortfall": True},
        "family": {"concern": True, "child_arrangements_dispute": True, "child_arrangements_application": False},
    }
    tiers = {n.issue: n.tier for n in engine.assess(facts, AS_OF).needs}
    assert tiers == {"debt.priority_arrears": 3, "debt.council_tax": 3, "benefits.housing_costs": 3,
                     "family.child_arrangements": 1}  # fmt: skip
    two = {**facts, "benefits": {"concern": False}}
    assert {n.issue: n.tier for n in engine.assess(two, AS_OF).needs}["debt.council_tax"] == 1


# Dismissed 5 August 2026 for ill health, disabled: both limits 5 Aug + 3 months - 1 day = 4 November 2026.
DISMISSED = {"person": {"disability": True},
             "employment": {"concern": True, "employed": True, "dismissed": True,
                            "dismissal_related_to_health": True, "dismissal_date": "2026-08-05"}}  # fmt: skip


def _dismissal(**employment: str) -> dict[str, Any]:
    return {**DISMISSED, "employment": {**DISMISSED["employment"], **employment}}


@pytest.mark.parametrize(
    ("known", "due", "confirm"),
    [
        # Started 28 Oct, certificate unknown: counted as 28 Oct too; 4 Nov lies between Day A and
        # 28 Nov (a month after Day B), so s.207B(4) gives 28 November: 5 days, emergency.
        ({"acas_ec_start_date": "2026-10-28"}, date(2026, 11, 28), "employment.acas_certificate_date"),
        # Certificate 2 Nov, start unknown: counted as 2 Nov; 4 Nov lies within a month after it: 2 December.
        ({"acas_certificate_date": "2026-11-02"}, date(2026, 12, 2), "employment.acas_ec_start_date"),
    ],
)  # fmt: skip
def test_one_acas_date_unknown_gives_the_earliest_limit_not_a_passed_one(
    engine: Engine, known: dict[str, str], due: date, confirm: str
) -> None:
    [need] = engine.assess(_dismissal(**known), AS_OF).needs
    assert {d.date for d in need.deadlines} == {due} and {d.status for d in need.deadlines} == {"open"}
    assert need.urgency == "emergency" and not need.late
    assert confirm in need.to_confirm
    [r] = [r for r in need.reasons if r.id == "policy.acas_date_unknown"]
    assert "earliest the limit can be" in r.text


def test_both_acas_dates_unknown_after_the_limit_asks_for_them(engine: Engine) -> None:
    # Counted without conciliation the limit passed on 4 Nov. Conciliation notified that day could
    # last 12 weeks (from 1 Dec 2025: to 27 Jan 2027), and the limit then ends a month later:
    # 27 February 2027, after today, so both dates are asked. The urgency stays that of a passed limit.
    [need] = engine.assess(DISMISSED, AS_OF).needs
    assert need.late and need.urgency == "urgent"
    assert {"employment.acas_ec_start_date", "employment.acas_certificate_date"} <= set(need.to_confirm)
    [r] = [r for r in need.reasons if r.id == "policy.acas_dates_unknown"]
    assert "2026-11-04" in r.text and "2027-02-27" in r.text
    # Dismissed 5 January 2026: limit 4 April; at the latest 4 Apr + 12 weeks = 27 June, + 1 month =
    # 27 July 2026, before today: conciliation cannot have kept it open, so nothing is asked about it.
    [old] = engine.assess(_dismissal(dismissal_date="2026-01-05"), AS_OF).needs
    assert not {"employment.acas_ec_start_date", "employment.acas_certificate_date"} & set(old.to_confirm)
    assert not any(r.id == "policy.acas_dates_unknown" for r in old.reasons)


def test_a_date_fact_can_be_tested_against_a_fixed_day_in_the_law() -> None:
    """``on_or_after`` / ``before`` compare the day itself, whatever the assessment day."""
    from triage.rulesets.conditions import ConditionError, interpret, parse

    served_after = interpret(parse({"fact": "housing.notice_date", "on_or_after": date(2026, 5, 1)}))
    served_before = interpret(parse({"fact": "housing.notice_date", "before": date(2026, 5, 1)}))
    for as_of in (date(2026, 6, 15), date(2027, 6, 15)):
        for day, after in ((date(2026, 4, 30), False), (date(2026, 5, 1), True), (date(2026, 5, 11), True)):
            flat = flatten(parse_facts({"housing": {"notice_date": day.isoformat()}}), as_of)
            assert flat["housing__notice_date"] == (day - as_of).days
            assert served_after(flat) is after and served_before(flat) is (not after)
        # Unknown stays unknown (three-valued), as for every other test.
        assert served_after(flatten(parse_facts({}), as_of)) is None
    with pytest.raises(ConditionError, match="expected a date"):
        parse({"fact": "housing.notice_date", "on_or_after": "May 2026"})
    with pytest.raises(ConditionError, match="is not a date"):
        parse({"fact": "housing.tenure", "before": date(2026, 5, 1)})
