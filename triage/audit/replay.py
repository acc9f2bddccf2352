"""``triage cases replay CASE_ID``: re-run a stored decision exactly as it was made.

The case store keeps each case's facts, ``as_of`` day, the rule set's name,
version and content hash, and the assessment itself. Replay finds the
installed rule-set folder with that content hash (``triage.rulesets.registry``),
assesses the same facts on the same day, and compares. When the exact rule set
is no longer installed it replays with the installed folder of the same
version, if any, and says the content differs. Every replay is written to the
store's audit log, and a case is visible only to the organisation owning it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from triage.audit.diff import Change, compare
from triage.engine.assessment import Assessment
from triage.facts import parse_facts


@dataclass(frozen=True)
class ReplayResult:
    case_id: str
    as_of: date
    stored: str  # "name version (hash)"
    replayed_with: str | None
    identical: bool
    changes: tuple[Change, ...]
    why: str

    def render(self) -> str:
        lines = [f"case {self.case_id} as of {self.as_of}", f"  decided with: {self.stored}",
                 f"  replayed with: {self.replayed_with or '-'}",
                 f"  result: {'identical' if self.identical else 'DIFFERS'}"]  # fmt: skip
        lines += [f"    {ch}" for ch in self.changes]
        lines.append(f"  why: {self.why}")
        return "\n".join(lines) + "\n"


def _label(a: Assessment) -> str:
    return f"{a.ruleset.name} {a.ruleset.version} ({a.ruleset.hash[:16]})"


def replay_stored(case_id: str, facts: dict[str, Any], as_of: date, stored: Assessment,
                  base: Path | None = None) -> ReplayResult:  # fmt: skip
    """Replay one stored decision (its facts, day and assessment)."""
    from triage.engine.engine import Engine
    from triage.rulesets.registry import RegistryError, find_by_hash, select

    name, version, content_hash = stored.ruleset.name, stored.ruleset.version, stored.ruleset.hash
    exact = True
    try:
        path = find_by_hash(name, content_hash, base)
    except RegistryError:
        exact = False
        try:
            path = select(name, version=version, base=base)
        except RegistryError as exc:
            return ReplayResult(case_id, as_of, _label(stored), None, False, (),
                                f"the rule set it was made with is not installed: {exc}")  # fmt: skip
    got = Engine.default(path).assess(parse_facts(facts), as_of)
    same = got.model_dump(mode="json") == stored.model_dump(mode="json")
    changes = compare(stored, got)
    if same:
        why = "same facts, same day, same rule-set content: the same assessment"
    elif not exact:
        why = (
            f"the rule set with hash {content_hash[:16]} is no longer installed; version {version} as "
            f"installed now has hash {got.ruleset.hash[:16]}, so its content changed since the decision"
        )
    elif changes:
        why = "same rule-set content but a different outcome: the engine's code changed since the decision"
    else:
        why = (
            "same outcome (needs, tiers, urgency, deadlines); only the explanation differs (reasons, "
            "questions or letters): the engine's code changed since the decision"
        )
    return ReplayResult(case_id, as_of, _label(stored), _label(got), same, changes, why)


def replay_case(db: Any, actor: Any, case_id: str, base: Path | None = None) -> ReplayResult:
    """Replay a case from the store, scoped to ``actor``'s organisation, and audit the access."""
    from triage.store.access import own_case
    from triage.store.audit import record

    with db.transaction() as session:
        case = own_case(session, actor, case_id)
        facts, as_of, stored = dict(case.facts), case.as_of, Assessment.model_validate(case.assessment)
        record(session, actor, "case.replay", case_id=case_id)
    result = replay_stored(case_id, facts, as_of, stored, base)
    return result
