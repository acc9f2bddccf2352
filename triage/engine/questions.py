"""The question search's inner loop, generated as Python source per group of rules.

For every rule that could still change the assessment, the search records
each of its missing facts with how many answers would settle the rule, the
rule's weight and the issues it would change (see ``findings._questions``).
Interpreting that per rule costs a function call, tuple unpacking and
attribute reads for every rule of every case, which was most of an
assessment's time. Here each group of rules becomes one function with the
conditions (three-valued, "asking" mode), the need checks and the fact
bookkeeping written out with the rule's constants in place.

``findings._scan_interpreted`` is the same search written plainly; a
test checks the two agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from triage.engine.compiler import CompiledRule
from triage.rulesets.conditions import _MISSING, _emit
from triage.rulesets.model import URGENCY_ORDER, EscalateThen

# scan(flat, drafts, letters, screened_out, scores) -> None; appends to scores.
Scan = Callable[[dict[str, Any], dict[str, Any], dict[Any, Any], set[str], dict[str, list[Any]]], None]


def compile_scan(rules: tuple[CompiledRule, ...], weight: Callable[[CompiledRule], int]) -> Scan:
    """One function doing the question search's per-rule work for ``rules``, in order.

    Two shortcuts keep most rules cheap, both exact under three-valued logic:
    a rule with every fact known is settled (True or False), so it is skipped
    without evaluating it; a rule with every fact missing is unknown (each
    test of a missing fact is unknown, and ``all``, ``any`` and ``not`` of
    unknowns stay unknown), so it is recorded without evaluating it.

    The generated code does not test ``screened_out``: rules are grouped by
    the areas they read and only groups whose areas are all live (answered,
    not screened out) are scanned, so no fact of a scanned rule sits in a
    screened-out area. The interpreted reference keeps the test.
    """
    lines = ["def scan(f, drafts, letters, so, S):", "    _get = f.get", "    _dget = drafts.get"]
    consts: dict[str, Any] = {"_M": _MISSING, "_UO": URGENCY_ORDER}
    counter = itertools.count()
    for i, c in enumerate(rules):
        lines.append(f"    # {c.rule.id}")
        for j, spec in enumerate(c.facts):
            lines.append(f"    m{j} = {spec.key!r} not in f")
        lines.append(f"    g = {' + '.join(f'm{j}' for j in range(len(c.facts)))} + 0")
        lines.append("    if g:")
        if len(c.facts) > 1:
            lines.append(f"        if g == {len(c.facts)}:")
            lines.append("            t = None")
            lines.append("        else:")
            _emit(c.rule.condition, "t", lines, 3, counter, asking=True)
        else:
            lines.append("        t = None")
        lines.append("        if t is None:")
        # From here on, at depth 3 ("ch" is what the rule would change).
        body: list[str] = []
        _emit_changes(i, c, body, consts)
        froms = frozenset(d.from_fact for d in c.rule.then.need.deadlines) if c.rule.then.need else frozenset()
        _emit_record(c, weight(c), froms, body)
        lines.extend("        " + line for line in body)
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<question scan>", "exec"), consts, namespace)
    scan: Scan = namespace["scan"]
    scan.__doc__ = source
    return scan


def _emit_changes(i: int, c: CompiledRule, lines: list[str], consts: dict[str, Any]) -> None:
    """Lines (at depth 1) that set ``ch``, ``dating`` and open a block (depth 2) when it changes anything."""
    then = c.rule.then
    need = then.need
    if need is not None:
        froms = frozenset(d.from_fact for d in need.deadlines)
        consts[f"CH{i}"] = frozenset({need.issue})
        consts[f"DL{i}"] = froms
        lines.append(f"    d = _dget({need.issue!r})")
        # It changes nothing if the need is already as high and already has
        # the deadlines this rule would date.
        dl_test = f" or not DL{i} <= {{x.from_fact for x in d.deadlines}}" if froms else ""
        lines.append(
            f"    if d is None or {need.tier} > d.tier or {URGENCY_ORDER[need.urgency]} > _UO[d.urgency]"
            f"{dl_test}:"
        )
        lines.append(f"        ch = CH{i}")
        # A found need still without its deadline's date: that date first.
        lines.append(f"        dating = {'d is not None' if froms else 'False'}")
        return
    if then.escalate is not None:
        _emit_escalation(i, then.escalate, lines, consts)
    elif then.letter is not None:
        consts[f"LK{i}"] = (then.letter.kind, then.letter.issue, then.letter.purpose)
        consts[f"CH{i}"] = frozenset({then.letter.issue})
        lines.append(f"    ch = () if LK{i} in letters else CH{i}")
    else:
        # Contradictions change no need, so the search never holds them.
        raise ValueError(f"rule {c.rule.id}: the question search takes needs, escalations and letters")
    lines.append("    if ch:")
    lines.append("        dating = False")


def _emit_record(c: CompiledRule, w: int, froms: frozenset[str], lines: list[str]) -> None:
    """Lines (at depth 2) recording each missing fact of the rule in ``S``."""
    pad = "        "
    for j, spec in enumerate(c.facts):
        lines.append(f"{pad}if m{j}:")
        gap = "(0 if dating else g)" if spec.path in froms else "g"
        # S[path] = [fewest answers to settle a rule, -highest weight, -rules, path, issues]
        lines.append(f"{pad}    h = S.get({spec.path!r})")
        lines.append(f"{pad}    if h is None:")
        lines.append(f"{pad}        S[{spec.path!r}] = [{gap}, {-w}, -1, {spec.path!r}, ch]")
        lines.append(f"{pad}    else:")
        if gap == "g":
            lines.append(f"{pad}        if g < h[0]:")
            lines.append(f"{pad}            h[0] = g")
        else:
            lines.append(f"{pad}        gg = {gap}")
            lines.append(f"{pad}        if gg < h[0]:")
            lines.append(f"{pad}            h[0] = gg")
        lines.append(f"{pad}        if {-w} < h[1]:")
        lines.append(f"{pad}            h[1] = {-w}")
        lines.append(f"{pad}        h[2] -= 1")
        lines.append(f"{pad}        if not ch <= h[4]:")
        lines.append(f"{pad}            h[4] = h[4] | ch")


def _emit_escalation(i: int, esc: EscalateThen, lines: list[str], consts: dict[str, Any]) -> None:
    """Set ``ch`` to the found needs this escalation would raise (``_would_change``, written out)."""
    applies = esc.applies_to
    tests = []
    if not applies.all:
        match = []
        if applies.issues:
            consts[f"ISS{i}"] = frozenset(applies.issues)
            match.append(f"d.issue in ISS{i}")
        if applies.areas:
            consts[f"AR{i}"] = frozenset(applies.areas)
            match.append(f"d.issue.split('.', 1)[0] in AR{i}")
        tests.append(f"({' or '.join(match)})")
    raises = []
    if esc.tier is not None:
        raises.append(f"{esc.tier} > d.tier")
    if esc.urgency is not None:
        raises.append(f"{URGENCY_ORDER[esc.urgency]} > _UO[d.urgency]")
    if esc.legal_aid is not None:
        raises.append("d.legal_aid is None")
    tests.append(f"({' or '.join(raises)})")
    lines.append(f"    ch = frozenset([d.issue for d in drafts.values() if {' and '.join(tests)}])")

