"""The rules-engine session: one kept open, each case's fact retracted, failures start clean."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import triage.engine.durable_runner as runner_mod
from tests.conftest import AS_OF
from triage.audit.golden import load_golden
from triage.audit.synth import generate
from triage.engine.durable_runner import EngineCapacityError, EngineError
from triage.engine.engine import Engine
from triage.engine.flatten import flatten
from triage.facts import FactsError, parse_facts
from triage.facts.catalog import FACTS


class _Spy:
    """Stands in for the C engine module, passing calls through, recording and sabotaging some."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.sids: list[str] = []
        self.deleted: list[str] = []
        self.fail_next: str | None = None
        self.stale: str | None = None  # a fact to slip into the session before the next case

    def start_action_for_state(self, handle: int, state: int) -> Any:
        if self.fail_next == "no-actions":
            self.fail_next = None
            return None
        return self.real.start_action_for_state(handle, state)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def assert_fact(self, handle: int, payload: str) -> Any:
        fact = json.loads(payload)
        self.sids.append(fact["sid"])
        if self.stale is not None:
            # Another case's fact left in the session, asserted before this one.
            self.real.assert_fact(handle, json.dumps({**json.loads(self.stale), "sid": fact["sid"], "id": "stale"}))
            self.stale = None
        return self.real.assert_fact(handle, payload)

    def complete_and_start_action(self, handle: int, state: int) -> Any:
        if self.fail_next == "collect":
            self.fail_next = None
            raise self.real.error("102")
        if self.fail_next == "interrupt":
            self.fail_next = None
            raise KeyboardInterrupt
        return self.real.complete_and_start_action(handle, state)

    def retract_fact(self, handle: int, payload: str) -> Any:
        if self.fail_next == "lose-retraction":
            self.fail_next = None
            return (0, 1)  # what durable-rules answers even when it removed nothing
        return self.real.retract_fact(handle, payload)

    def delete_state(self, handle: int, sid: str) -> Any:
        self.deleted.append(sid)
        return self.real.delete_state(handle, sid)


@pytest.fixture
def own(engine: Engine) -> Engine:
    """A second engine for the same rule set: it shares the compiled rules and the rule set's session."""
    return Engine(engine.ruleset)


@pytest.fixture(autouse=True)
def fresh_session(engine: Engine) -> Any:
    """Each test starts and ends with no session open, whatever ran before it."""

    def end() -> None:
        with runner_mod._LOCK:
            runner_mod._end_session(engine._runner.group)

    end()
    yield
    end()


def full_case(yes: bool = True) -> dict[str, Any]:
    """Every fact in the catalogue answered (synthetic): far more than one person's triage."""
    data: dict[str, Any] = {"case_ref": "full-1"}
    for spec in FACTS.values():
        value: Any = {
            "bool": yes, "int": 1, "number": 1.0, "date": (AS_OF - timedelta(days=10)).isoformat(),
            "choice": spec.choices[0] if spec.choices else None, "set": list(spec.choices[:2]),
            "text": {"postcode": "E1 6AN", "postcode_district": "E1"}.get(spec.name, "en"),
        }[spec.kind]  # fmt: skip
        data.setdefault(spec.section, {})[spec.name] = value
    return data


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    s = _Spy(runner_mod._dre)
    monkeypatch.setattr(runner_mod, "_dre", s)
    return s


def _cases(n: int, seed: int, engine: Engine) -> list[dict[str, Any]]:
    seeds = [c.facts for c in load_golden(engine.ruleset.root)]
    return generate(n, seed=seed, as_of=AS_OF, seeds=seeds)


def test_the_session_holds_nothing_between_cases(own: Engine) -> None:
    for data in _cases(50, 21, own):
        own.assess(data, AS_OF)
        assert own._runner.session_facts() == []


def test_one_session_gives_what_a_session_per_case_gives(
    own: Engine, spy: _Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    flats = [flatten(parse_facts(d), AS_OF) for d in _cases(400, 22, own)]
    shared = [sorted(own._runner.fired(f)) for f in flats]
    assert len(set(spy.sids)) == 1, "the cases went through one session"
    monkeypatch.setattr(runner_mod, "SESSION_CASES", 1)  # a new session for every case
    spy.sids.clear()
    fresh = [sorted(own._runner.fired(f)) for f in flats]
    assert len(set(spy.sids)) == len(flats)
    assert shared == fresh
    assert any(len(names) > 2 for names in shared), "cases that fire several rules are covered"


def test_sessions_are_renewed(own: Engine, spy: _Spy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_mod, "SESSION_CASES", 3)
    cases = _cases(7, 23, own)
    got = [own.assess(c, AS_OF).model_dump_json() for c in cases]
    shards = len(own._runner.shards)  # each case is asserted once into each shard, in the same session
    assert [len(list(g)) for _, g in itertools.groupby(spy.sids)] == [3 * shards, 3 * shards, shards]
    assert spy.deleted == [sid for sid in spy.sids[: 6 * shards : 3 * shards] for _ in range(shards)], (
        "each full session was deleted in every shard"
    )
    monkeypatch.setattr(runner_mod, "SESSION_CASES", 10_000)
    assert got == [own.assess(c, AS_OF).model_dump_json() for c in cases]


BUSY = {"case_ref": "busy-1", "housing": {"concern": True, "tenure": "private_rented",
        "possession_claim_issued": True, "hearing_date": "2026-12-03"},
        "benefits": {"concern": True, "pip_stage": "refused", "pip_decision_date": "2026-11-03",
                     "mr_requested": False}}  # fmt: skip
QUIET = {"case_ref": "quiet-2", "debt": {"concern": True, "non_priority_debts": True, "total_debt": 4000}}


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("collect", EngineError),
        ("interrupt", KeyboardInterrupt),
        ("lose-retraction", EngineError),
        ("no-actions", EngineError),
    ],
)
def test_a_failure_inside_a_case_discards_the_session(
    own: Engine, spy: _Spy, where: str, error: type[BaseException]
) -> None:
    """The failing case raises; the next, unrelated case starts clean and gets only its own result."""
    busy = own.assess(BUSY, AS_OF)
    quiet = own.assess(QUIET, AS_OF).model_dump_json()
    assert not set(busy.rules_fired) & set(json.loads(quiet)["rules_fired"]), "the two cases share no rule"
    before = spy.sids[-1]
    spy.fail_next = where
    with pytest.raises(error, match=r"case busy-1: rule set england" if error is EngineError else None):
        own.assess(BUSY, AS_OF)
    assert spy.deleted == [before] * len(own._runner.shards), "the session in use was deleted in every shard"
    assert own.assess(QUIET, AS_OF).model_dump_json() == quiet
    assert spy.sids[-1] != before, "the next case opened a new session"
    assert own._runner.session_facts() == []


def test_a_rule_firing_for_another_cases_facts_is_an_error(own: Engine, spy: _Spy) -> None:
    quiet = own.assess(QUIET, AS_OF).model_dump_json()
    spy.stale = json.dumps(flatten(parse_facts(BUSY), AS_OF))
    with pytest.raises(EngineError, match=r"case quiet-2: .*another case's facts"):
        own.assess(QUIET, AS_OF)
    assert own.assess(QUIET, AS_OF).model_dump_json() == quiet
    assert own._runner.session_facts() == []


def test_a_case_beyond_the_rules_engines_limits_is_evaluated_in_python(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """durable-rules' fixed evaluation stack overflows on a fully answered case (error 303) in large rule
    sets; the engine then answers in Python. In its small shards it does not overflow. (The rule set can
    no longer be registered whole: past about 280 rules a node's ``$nex`` list overflows and the process
    dies, see ``CompiledRuleSet.shards``; shards of 100 rules stay clear of it.)"""
    import triage.engine.compiler as compiler_mod

    data = full_case()
    flat = flatten(parse_facts(data), AS_OF)
    # Every fact in the catalogue answered is now more facts than durable-rules takes (254), in any shard.
    assert len(flat) > 254
    with pytest.raises(EngineCapacityError, match=r"case full-1: .*error code: 302"):
        engine._runner.fired(flat, "full-1")
    assert engine.assess(data, AS_OF).rules_fired == [c.rule.id for c in engine.fired_python(flat)]
    # A busy case within the fact limit fits the shards' evaluation stack.
    busy = {k: v for k, v in flat.items() if k.startswith(("__", "housing__", "benefits__", "debt__", "person__"))}
    assert len(set(engine._runner.fired(busy, "busy")) - {"r_case"}) > 20
    monkeypatch.setattr(compiler_mod, "SHARD_RULES", 100)
    own = Engine(engine.ruleset)
    assert 1 < len(own._runner.shards) < len(engine._runner.shards)
    with pytest.raises(EngineCapacityError, match=r"case full-1: .*error code: 30[23] \(the case "):
        own._runner.fired(flat, "full-1")
    a = own.assess(data, AS_OF)
    assert a.rules_fired == [c.rule.id for c in own.fired_python(flat)] and len(a.rules_fired) > 50
    assert own.assess(QUIET, AS_OF).rules_fired == ["debt.non_priority.debts"]
    assert own._runner.session_facts() == []


def test_a_new_process_survives_an_overflowing_first_case(tmp_path: Path) -> None:
    """Were the first fact a new rule set sees to overflow, the C engine's memory would be corrupt
    and cleaning up killed the process (SIGSEGV); registering a rule set runs one clean fact first."""
    case = tmp_path / "full.json"
    case.write_text(json.dumps(full_case()))
    script = (
        "import json, sys; from datetime import date; from triage.engine.engine import Engine; "
        f"a = Engine.default().assess(json.load(open({str(case)!r})), date.fromisoformat({AS_OF.isoformat()!r})); "
        "print(len(a.rules_fired))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 50


@pytest.mark.parametrize("path", [p for p, s in FACTS.items() if s.kind == "number"])
def test_amounts_below_a_hundredth_are_refused_before_the_rules_engine(own: Engine, path: str) -> None:
    """Python writes 0.00001 as 1e-05, which durable-rules cannot parse (error 204)."""
    section, name = path.split(".")
    with pytest.raises(FactsError, match=rf"{section}\.{name}: .*must be 0 or at least 0.01"):
        parse_facts({section: {name: 0.00001}})
    for value in (0, 0.01, 12.5):
        own._runner.fired(flatten(parse_facts({section: {name: value}}), AS_OF))


def test_many_unknown_tests_under_one_node_do_not_crash_the_rules_engine(tmp_path: Path) -> None:
    """durable-rules 2.0.28 keeps a node's `$nex` children in a 128-entry list and checks the bound
    one entry too late: the 129th overwrote memory and the process died (SIGSEGV) when the rule
    set was registered. The engine registers its rules in shards of at most ``SHARD_RULES``, so 150
    rules each testing a different fact as unknown under the same first test register and fire.
    Run in a child process, so a regression fails this test rather than killing the suite."""
    from tests.rulesets_util import RULE, add_rules, copy_ruleset

    rs = copy_ruleset(tmp_path)
    paths = [p for p, s in FACTS.items() if s.section != "benefits" and s.kind != "set"][:150]
    assert len(paths) == 150
    add_rules(rs, "".join(
        RULE.format(rid=f"test.unknown.{i}", start="2020-01-01",
                    when=json.dumps({"all": [{"fact": "benefits.sanctioned", "equals": True},
                                             {"fact": p, "unknown": True}]}))
        for i, p in enumerate(paths)
    ))  # fmt: skip
    script = (
        "import sys; from datetime import date; from pathlib import Path; "
        "from triage.engine.engine import Engine; from triage.rulesets.loader import load_ruleset; "
        f"e = Engine(load_ruleset(Path({str(rs)!r}))); "
        f"a = e.assess({{'benefits': {{'sanctioned': True}}, 'person': {{'age': 40}}}}, date(2026, 11, 23)); "
        "print(sum(r.startswith('test.unknown.') for r in a.rules_fired))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    # Every rule fires but the one whose fact (person.age) is known.
    assert int(done.stdout.strip()) == 150 - ("person.age" in paths)
