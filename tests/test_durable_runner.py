"""The rules-engine session: one kept open, each case's fact retracted, failures start clean."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

import triage.durable_runner as runner_mod
from tests.conftest import AS_OF
from triage.durable_runner import EngineError
from triage.engine import Engine
from triage.facts import parse_facts
from triage.flatten import flatten
from triage.golden import load_golden
from triage.synth import generate


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
            raise self.real.error("302")
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
    """An engine with its own session (the compiled rules are shared)."""
    return Engine(engine.ruleset)


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
    assert [len(list(g)) for _, g in itertools.groupby(spy.sids)] == [3, 3, 1]
    assert spy.deleted == spy.sids[:6:3], "each full session was deleted"
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
    assert spy.deleted == [before], "the session in use was deleted"
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
