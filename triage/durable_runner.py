"""Run one case through a compiled ruleset in durable-rules, safely.

The sharp edges this module exists to wrap (see ``shared/DURABLE_RULES.md``):

* facts are asserted, never posted, so every matching rule fires;
* every case gets its own session id, deleted in ``finally``, so no state
  from one case can reach another and sessions never pile up;
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

    def fired(self, flat: dict[str, Any], case_ref: str | None = None) -> list[str]:
        """Names of the compiled rules that fire for ``flat`` (catch-all excluded)."""
        handle = self._handle
        names: list[str] = []
        with _LOCK:
            sid = str(next(_SESSION_IDS))
            payload = json.dumps({**flat, "sid": sid, "id": sid})
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
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(self._where(case_ref, _explain(exc))) from None
            finally:
                with contextlib.suppress(Exception):
                    _dre.delete_state(handle, sid)
        return names

    def _where(self, case_ref: str | None, problem: str) -> str:
        rs = self.compiled.ruleset
        return (
            f"case {case_ref or '(no reference)'}: rule set {rs.name} {rs.version} "
            f"({rs.hash[:12]}): {problem}"
        )
