"""Run one case through a compiled ruleset in durable-rules, safely.

The sharp edges this module exists to wrap (see ``shared/DURABLE_RULES.md``):

* facts are asserted, never posted, so every matching rule fires;
* cases share one durable-rules session, and each case's fact is retracted
  before the next is asserted. A session costs a ~2 MB state block that the
  C engine allocates and zeroes: creating and deleting one per case
  (asserting, collecting, ``delete_state``) was about 85% of the rules
  engine's time per case, and reusing it makes the rules engine about six
  times faster (``bench/engine.py`` shows both). Isolation is checked, not
  assumed: every retraction must succeed and leave no action queued, or the
  session is deleted and the case fails; a new session then starts clean.
  The session is also renewed every ``SESSION_CASES`` cases, so nothing the
  C engine might keep per session can build up;
* durable-rules is not safe to share between threads, and threads give it no
  speed-up, so every call into it holds one process-wide lock. Web-server
  worker threads may call :meth:`DurableRunner.fired` freely; for throughput
  use processes (:func:`triage.engine.assess_batch`);
* the stock ``Host`` starts timer threads that race with callers, so this
  drives the C engine directly and runs no actions inside it: it only
  collects the names of the rules that fired;
* engine error numbers become :class:`EngineError` naming case and rule set.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from typing import Any

import durable_rules_engine as _dre

from triage.compiler import CompiledRuleSet

_LOCK = threading.Lock()
_HANDLES: dict[str, int] = {}
_SESSION_IDS = itertools.count(1)
_FACT_IDS = itertools.count(1)
SESSION_CASES = 10_000

# Error numbers seen from the C engine, in words.
_CODES = {
    "102": "out of memory in the rules engine",
    "111": "unknown rule set handle",
    "202": "the case facts could not be parsed as JSON",
    "302": "the rules engine could not evaluate the case",
    "309": "a session is already in use",
}


class EngineError(RuntimeError):
    """The rules engine failed on a case; the message names the case and rule set."""


def _explain(exc: Exception) -> str:
    text = str(exc)
    code = text.rsplit(" ", 1)[-1]
    return f"{text} ({_CODES[code]})" if code in _CODES else text


class DurableRunner:
    """The durable-rules form of one compiled rule set, registered once per process."""

    def __init__(self, compiled: CompiledRuleSet) -> None:
        self.compiled = compiled
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
                _HANDLES[compiled.name] = handle
        self._handle: int = handle
        self._sid: str | None = None  # the live session; the first case opens it
        self._cases = 0  # cases through the live session

    def fired(self, flat: dict[str, Any], case_ref: str | None = None) -> list[str]:
        """Names of the compiled rules that fire for ``flat`` (catch-all included)."""
        handle = self._handle
        names: list[str] = []
        with _LOCK:
            sid = self._sid
            if sid is None:
                sid = self._sid = f"s{next(_SESSION_IDS)}"
            # A fresh fact id per case: were a retraction ever lost, the old
            # fact could not be mistaken for the new one.
            payload = json.dumps({**flat, "sid": sid, "id": str(next(_FACT_IDS))})
            try:
                result = _dre.assert_fact(handle, payload)
                if not result or result[0] != 0:
                    raise EngineError(self._where(case_ref, f"unexpected result {result!r}"))
                state = result[1]
                action = _dre.start_action_for_state(handle, state)
                message = action[1] if action else None
                while message:
                    # The message is {"<rule name>": {...}}; only the name is needed.
                    names.append(message[2 : message.index('"', 2)])
                    message = _dre.complete_and_start_action(handle, state)
                retracted = _dre.retract_fact(handle, payload)
                if not retracted or retracted[0] != 0:
                    raise EngineError(self._where(case_ref, f"retraction failed: {retracted!r}"))
                if _dre.start_action_for_state(handle, state):
                    raise EngineError(self._where(case_ref, "retraction left an action queued"))
            except Exception as exc:
                self._end_session()
                if isinstance(exc, EngineError):
                    raise
                raise EngineError(self._where(case_ref, _explain(exc))) from None
            self._cases += 1
            if self._cases >= SESSION_CASES:
                self._end_session()
        return names

    def session_facts(self) -> list[Any]:
        """The facts left in the live session: always none between cases (for tests and checks)."""
        with _LOCK:
            if self._sid is None:
                return []
            return list(json.loads(_dre.get_facts(self._handle, self._sid)))

    def _end_session(self) -> None:
        """Delete the live session (under the lock); the next case opens a new one."""
        sid, self._sid, self._cases = self._sid, None, 0
        if sid is not None:
            with contextlib.suppress(Exception):
                _dre.delete_state(self._handle, sid)

    def _where(self, case_ref: str | None, problem: str) -> str:
        rs = self.compiled.ruleset
        return (
            f"case {case_ref or '(no reference)'}: rule set {rs.name} {rs.version} "
            f"({rs.hash[:12]}): {problem}"
        )
