"""Compile a rule set into a durable-rules ruleset and matching Python evaluators.

The Python evaluators walk the condition tree (``conditions.interpret``): the
reference durable-rules is checked against, the fallback for a case beyond its
limits, and the question search's three-valued test.

One compiled form per rule-set content hash, reused for every case: building
a ruleset per case is slow and leaks (DURABLE_RULES.md), and durable-rules
refuses to register a name twice, so the hash is part of the name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.engine.flatten import AS_OF, CASE_MARK
from triage.facts.catalog import FactSpec
from triage.rulesets.conditions import Evaluator, facts_of, interpret, possibly, to_durable
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import Rule
from triage.rulesets.unknowns import assumed_condition, assumed_facts, tested_unknown

CATCH_ALL = "r_case"
# Rules per durable-rules rule set (see CompiledRuleSet.shards).
SHARD_RULES = 64


@dataclass(frozen=True)
class CompiledRule:
    """A rule plus what the engine needs at run time."""

    index: int
    name: str  # durable-rules rule name
    rule: Rule
    facts: tuple[FactSpec, ...]
    sections: frozenset[str]
    evaluate: Evaluator  # three-valued; True = fires on known facts
    possible: Evaluator  # the condition as compiled, with the assumed facts' tests passing while unknown
    asking: Evaluator  # the same, with "is X known?" unknown while X is missing (question search)
    start: int  # effective_from as an ordinal day
    end: int  # effective_to as an ordinal day (exclusive), or a far-future day
    # Read for every reason the rule gives, so worked out once here.
    kind: str  # need, escalate, letter or contradiction
    reason: str  # the plain-English reason shown to people
    fires_on_unknown: bool
    # Facts whose tests also pass while unknown (the need is then "to confirm").
    assumed: frozenset[str]
    # Facts the rule fires for lack of ("decision date unknown"): answering them settles it.
    waits_on: frozenset[str]

    def in_force(self, as_of_ordinal: int) -> bool:
        return self.start <= as_of_ordinal < self.end

    def fires(self, flat: dict[str, Any]) -> bool:
        """Plain-Python firing with the same semantics as the durable-rules form."""
        if not self.in_force(flat[AS_OF]):
            return False
        result = self.evaluate(flat)
        if result is True:
            return True
        # An assumed fact's test passes while it is unknown, and an assumed date's "known" guard
        # too: then the plain condition is unknown or (that guard) false.
        return bool(self.assumed) and self.possible(flat) is True


@dataclass(frozen=True)
class CompiledRuleSet:
    ruleset: RuleSet
    name: str
    rules: tuple[CompiledRule, ...]
    by_name: dict[str, CompiledRule]
    durable: dict[str, Any]

    @property
    def json(self) -> str:
        return json.dumps(self.durable, sort_keys=True)

    def shards(self, size: int | None = None) -> tuple[CompiledRuleSet, ...]:
        """The rules in durable-rules rule sets of at most ``size`` rules each, every one with the catch-all.

        durable-rules 2.0.28 keeps each node's ``$nex`` ("unknown") children in
        a 128-entry list and checks the bound one entry too late (rete.c
        ``linkAlpha``, ``NEXT_LIST_LENGTH``): the 129th overwrites memory and
        the process dies when the rule set is registered; a node also holds at
        most 16 rules ending on it. With every missing answer now able to keep
        a need (``$nex`` in many rules), one rule set of 279 rules crossed it.
        Small rule sets keep every node far from both limits, whatever the
        rules say; a case is asserted into each (see ``durable_runner``).
        """
        size = size or SHARD_RULES
        named = list(self.rules)
        out = []
        for i in range(0, max(len(named), 1), size):
            part = named[i : i + size]
            durable = {CATCH_ALL: self.durable[CATCH_ALL], **{c.name: self.durable[c.name] for c in part}}
            out.append(
                CompiledRuleSet(
                    ruleset=self.ruleset,
                    name=f"{self.name}_{size}_{i // size}",
                    rules=tuple(part),
                    by_name={c.name: c for c in part},
                    durable=durable,
                )
            )
        return tuple(out)


_FAR_FUTURE = date(9999, 12, 31).toordinal()


def compile_ruleset(ruleset: RuleSet) -> CompiledRuleSet:
    """Build the durable-rules definition and Python evaluators for ``ruleset``."""
    compiled: list[CompiledRule] = []
    # A catch-all rule so every case matches something: a case matching no
    # rule makes durable-rules raise and leave its session behind.
    durable: dict[str, Any] = {CATCH_ALL: {"all": [{"m": {CASE_MARK: 1}}]}}
    for index, rule in enumerate(ruleset.rules):
        name = f"r{index:04d}"
        assumed = assumed_facts(rule)
        cond = possibly(rule.condition) if rule.on_unknown == "fire" else assumed_condition(rule.condition, assumed)
        start = rule.effective_from.toordinal()
        end = rule.effective_to.toordinal() if rule.effective_to else _FAR_FUTURE
        # The case mark keeps `$nex` tests off durable-rules' own session-state
        # object, which is matched like any other fact.
        window: list[dict[str, Any]] = [{CASE_MARK: 1}, {"$gte": {AS_OF: start}}]
        if rule.effective_to:
            window.append({"$lt": {AS_OF: end}})
        durable[name] = {"all": [{"m": {"$and": [to_durable(cond), *window]}}]}
        facts = facts_of(rule.condition)
        compiled.append(
            CompiledRule(
                index=index,
                name=name,
                rule=rule,
                facts=facts,
                sections=frozenset(f.section for f in facts),
                evaluate=interpret(rule.condition),
                asking=interpret(rule.condition, asking=True),
                possible=interpret(cond),
                start=start,
                end=end,
                kind=rule.then.kind,
                reason=rule.reason,
                fires_on_unknown=bool(assumed),
                assumed=assumed,
                waits_on=tested_unknown(rule.condition),
            )
        )
    return CompiledRuleSet(
        ruleset=ruleset,
        name=f"triage_{ruleset.name}_{ruleset.hash[:16]}",
        rules=tuple(compiled),
        by_name={c.name: c for c in compiled},
        durable=durable,
    )
