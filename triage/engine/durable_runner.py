"""Run one case through a compiled ruleset in durable-rules, safely.

The sharp edges this module exists to wrap (see ``shared/DURABLE_RULES.md``):

* facts are asserted, never posted, so every matching rule fires;
* cases share one durable-rules session per rule set, and each case's fact
  is retracted before the next is asserted. A session costs a ~2 MB state
  block that the C engine allocates and zeroes: creating and deleting one
  per case (asserting, collecting, ``delete_state``) was about 85% of the
  rules engine's time per case, and reusing it makes the rules engine about
  six times faster (``bench/engine.py`` shows both). Isolation is checked on
  every case, not assumed: every message must carry this case's fact id,
  the catch-all rule must fire exactly once, and after the retraction the
  session must hold no facts and no queued action. Any failure or
  interruption (even ``KeyboardInterrupt``) deletes the session, and the
  next case opens a clean one. Sessions are also renewed every
  ``SESSION_CASES`` cases, so nothing the C engine keeps per session can
  build up; with one session per rule set, the C engine's limit of 1,024
  live sessions per rule set is never approached;
* durable-rules is not safe to share between threads, and threads give it no
  speed-up, so every call into it holds one process-wide lock. Web-server
  worker threads may call :meth:`DurableRunner.fired` freely; for throughput
  use processes (:meth:`triage.engine.engine.Engine.iter_batch_json`);
* the stock ``Host`` starts timer threads that race with callers, so this
  drives the C engine directly and runs no actions inside it: it only
  collects the names of the rules that fired;
* engine error numbers become :class:`EngineError` naming case and rule set.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
from typing import Any

import durable_rules_engine as _dre

from triage.engine.compiler import CATCH_ALL, CompiledRuleSet
from triage.engine.flatten import AS_OF, CASE_MARK

_LOCK = threading.Lock()
_HANDLES: dict[str, int] = {}
_SESSION_IDS = itertools.count(1)
_FACT_IDS = itertools.count(1)
SESSION_CASES = 10_000
_CATCH_ALL_PREFIX = f'{{"{CATCH_ALL}":'


class _Session:
    """The open session of one compiled rule set, the same id in each of its durable-rules shards
    (read and changed only under ``_LOCK``)."""

    __slots__ = ("cases", "handles", "sid")

    def __init__(self) -> None:
        self.sid = f"s{next(_SESSION_IDS)}"
        self.cases = 0
        self.handles: set[int] = set()


_SESSIONS: dict[str, _Session] = {}  # by compiled rule-set name (its shards share one session)


def _fresh_lock_in_child() -> None:
    global _LOCK
    _LOCK = threading.Lock()


# A process forked while another thread is inside the rules engine would
# inherit a held lock and hang: forks wait for the lock, and a child starts
# with a free one.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=lambda: _LOCK.acquire(),
        after_in_parent=lambda: _LOCK.release(),
        after_in_child=_fresh_lock_in_child,
    )

# The C engine's error numbers (its rules.h for this version), in words.
_CODES = {
    "101": "out of memory in the rules engine",
    "102": "a value of an unexpected type",
    "111": "unknown rule set handle",
    "201": "the case facts could not be parsed (a value)",
    "202": "the case facts could not be parsed (a string)",
    "203": "the case facts could not be parsed (a number)",
    "204": "the case facts could not be parsed (an object)",
    "302": "the case has more facts than the rules engine takes at once (254 at most)",
    "303": "the case matches more rule tests at once than the rules engine's fixed evaluation stack holds",
    "309": "no such session",
}


class EngineError(RuntimeError):
    """The rules engine failed on a case; the message names the case and rule set."""


class EngineCapacityError(EngineError):
    """The case is beyond one of the C engine's fixed limits (too many facts, or tests matching at once)."""


_CAPACITY_CODES = ("302", "303")


def _explain(exc: Exception) -> str:
    text = str(exc)
    code = text.rsplit(" ", 1)[-1]
    return f"{text} ({_CODES[code]})" if code in _CODES else text


class DurableRunner:
    """The durable-rules form of one compiled rule set, registered once per process."""

    def __init__(self, compiled: CompiledRuleSet, group: str | None = None) -> None:
        self.compiled = compiled
        # The session this runner's cases go through: shared by the shards of one rule set.
        self.group = group or compiled.name
        with _LOCK:
            handle = _HANDLES.get(compiled.name)
            if handle is None:
                try:
                    handle = _dre.create_ruleset(compiled.name, compiled.json)
                except Exception as exc:
                    raise EngineError(
                        f"rule set {compiled.ruleset.name} {compiled.ruleset.version}: "
                        f"durable-rules refused it: {_explain(exc)}"
                    ) from None
                _prime(handle)
                _HANDLES[compiled.name] = handle
        self._handle: int = handle

    def fired(self, flat: dict[str, Any], case_ref: str | None = None) -> list[str]:
        """Names of the compiled rules that fire for ``flat`` (catch-all included)."""
        return _fire_all((self,), self.group, json.dumps(flat), case_ref)

    def run(self, session: _Session, payload: str, fid: str, case_ref: str | None) -> list[str]:
        """Assert one case's fact in this rule set's open session, collect what fired, retract it, check.

        Called under ``_LOCK`` by :func:`_fire_all`, which ends the session if this raises.
        """
        handle = self._handle
        session.handles.add(handle)
        names: list[str] = []
        # durable-rules echoes the fact in each message: {"<rule>":{"m":{...,"id": "<fid>"}}}
        mine = f'"id": "{fid}"}}}}}}'
        try:
            result = _dre.assert_fact(handle, payload)
            if not result or result[0] != 0:
                raise EngineError(self._where(case_ref, f"unexpected result {result!r}"))
            state = result[1]
            action = _dre.start_action_for_state(handle, state)
            message = action[1] if action else None
            catch_all = 0
            while message:
                if not message.endswith(mine):
                    raise EngineError(self._where(case_ref, "a rule fired for another case's facts"))
                catch_all += message.startswith(_CATCH_ALL_PREFIX)
                # Only the rule's name is needed.
                names.append(message[2 : message.index('"', 2)])
                message = _dre.complete_and_start_action(handle, state)
            if catch_all != 1:
                raise EngineError(self._where(case_ref, f"the catch-all rule fired {catch_all} times, not once"))
            _dre.retract_fact(handle, payload)
            if _dre.get_facts(handle, session.sid) != "[]":
                raise EngineError(self._where(case_ref, "the case's facts were not retracted"))
            if _dre.start_action_for_state(handle, state):
                raise EngineError(self._where(case_ref, "retraction left an action queued"))
        except EngineError:
            raise
        except Exception as exc:
            kind = EngineCapacityError if str(exc).endswith(_CAPACITY_CODES) else EngineError
            raise kind(self._where(case_ref, _explain(exc))) from None
        return names

    def session_facts(self) -> list[Any]:
        """The facts left in the rule set's open session: always none between cases (for checks)."""
        with _LOCK:
            session = _SESSIONS.get(self.group)
            if session is None:
                return []
            return list(json.loads(_dre.get_facts(self._handle, session.sid)))

    def _where(self, case_ref: str | None, problem: str) -> str:
        rs = self.compiled.ruleset
        return f"case {case_ref or '(no reference)'}: rule set {rs.name} {rs.version} ({rs.hash[:12]}): {problem}"


def _end_session(group: str) -> None:
    """Delete the rule set's open session in each of its shards (under ``_LOCK``); its next case opens a new one."""
    session = _SESSIONS.pop(group, None)
    if session is not None:
        for handle in sorted(session.handles):
            with contextlib.suppress(Exception):
                _dre.delete_state(handle, session.sid)


def _fire_all(runners: tuple[DurableRunner, ...], group: str, body: str, case_ref: str | None) -> list[str]:
    """One case through each of a rule set's durable-rules parts, in its one open session.

    ``body``: the case's flat facts as JSON. One lock, one session and one fact
    id serve every part; each part checks isolation on its own. Anything short
    of a clean finish (an error, an interruption) may have left this case's
    fact or actions behind, so it ends the session.
    """
    names: list[str] = []
    with _LOCK:
        session = _SESSIONS.get(group)
        if session is None:
            session = _SESSIONS[group] = _Session()
        fid = str(next(_FACT_IDS))
        # The case's own session and fact ids, appended to the encoded facts (never empty: the case mark).
        payload = f'{body[:-1]}, "sid": "{session.sid}", "id": "{fid}"}}'
        done = False
        try:
            for runner in runners:
                names += runner.run(session, payload, fid, case_ref)
            done = True
        finally:
            session.cases += 1
            if not done or session.cases >= SESSION_CASES:
                _end_session(group)
    return names


def _prime(handle: int) -> None:
    """Run one minimal fact through a newly registered rule set (under ``_LOCK``).

    When the very first fact a rule set sees fails inside the C engine (a
    case matching too many tests at once, error 303), the engine's memory is
    left corrupt and deleting that session kills the process. After one
    clean fact the same failure is an ordinary error.
    """
    sid = f"prime-{next(_SESSION_IDS)}"
    payload = json.dumps({CASE_MARK: 1, AS_OF: 0, "sid": sid, "id": "prime"})
    try:
        state = _dre.assert_fact(handle, payload)[1]
        action = _dre.start_action_for_state(handle, state)
        while action:
            action = _dre.complete_and_start_action(handle, state)
        _dre.retract_fact(handle, payload)
    finally:
        _dre.delete_state(handle, sid)


class ShardedRunner:
    """A compiled rule set as several small durable-rules rule sets (``CompiledRuleSet.shards``).

    Each case is asserted into every shard under the same checks as one rule
    set (its own session, its catch-all firing once, nothing left behind);
    the rules that fired are the union.
    """

    def __init__(self, compiled: CompiledRuleSet) -> None:
        self.compiled = compiled
        self.group = compiled.name
        self.shards = tuple(DurableRunner(part, self.group) for part in compiled.shards())

    @property
    def handles(self) -> tuple[int, ...]:
        return tuple(r._handle for r in self.shards)

    def fired(self, flat: dict[str, Any], case_ref: str | None = None) -> list[str]:
        """Names of the compiled rules that fire for ``flat`` (the catch-all once per shard)."""
        return _fire_all(self.shards, self.group, json.dumps(flat), case_ref)

    def session_facts(self) -> list[Any]:
        """The facts left in the shards' open session: always none between cases (for checks)."""
        return [fact for runner in self.shards for fact in runner.session_facts()]
