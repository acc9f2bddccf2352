"""The question search's inner loop, generated as Python source per group of rules.

For every rule that could still change the assessment, the search records
each of its missing facts with how many answers would settle the rule, the
rule's weight and the issues it would change (see ``findings._questions``).
Interpreting that per rule costs a function call, tuple unpacking and
attribute reads for every rule of every case, which was most of an
assessment's time. Here each group of rules becomes one function with the
conditions (three-valued, "asking" mode), the need checks and the fact
bookkeeping written out with the rule's constants in place.

``findings._questions_interpreted`` is the same search written plainly; a
test checks the two agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from triage.compiler import CompiledRule
from triage.rulesets.conditions import _MISSING, _emit
from triage.rulesets.model import URGENCY_ORDER

# scan(flat, drafts, letters, screened_out, scores) -> None; appends to scores.
Scan = Callable[[dict[str, Any], dict[str, Any], dict[Any, Any], set[str], dict[str, list[Any]]], None]


def compile_scan(rules: tuple[CompiledRule, ...], would_change: Callable[..., list[str]], weight: Callable[
        [CompiledRule], int]) -> Scan:  # fmt: skip
    """One function doing the question search's per-rule work for ``rules``, in order."""
    lines = ["def scan(f, drafts, letters, so, S):", "    _get = f.get", "    _dget = drafts.get"]
    consts: dict[str, Any] = {"_M": _MISSING, "_UO": URGENCY_ORDER, "_wc": would_change}
    counter = itertools.count()
    for i, c in enumerate(rules):
        rule_name = f"R{i}"
        consts[rule_name] = c
        lines.append(f"    # {c.rule.id}")
        _emit(c.rule.condition, "t", lines, 1, counter, asking=True)
        lines.append("    if t is None:")
        need = c.rule.then.need
        w = weight(c)
        if need is not None:
            froms = frozenset(d.from_fact for d in need.deadlines)
            consts[f"CH{i}"] = frozenset({need.issue})
            consts[f"DL{i}"] = froms
            lines.append(f"        d = _dget({need.issue!r})")
            dl_test = f" or not DL{i} <= {{x.from_fact for x in d.deadlines}}" if froms else ""
            lines.append(
                f"        if d is None or {need.tier} > d.tier or {URGENCY_ORDER[need.urgency]} > _UO[d.urgency]"
                f"{dl_test}:"
            )
            lines.append(f"            ch = CH{i}")
            lines.append(f"            dating = d is not None and {bool(froms)}")
        else:
            lines.append(f"        ch = set(_wc({rule_name}, drafts, letters))")
            lines.append("        if ch:")
            lines.append("            dating = False")
            froms = frozenset()
        pad = "            "
        count = " + ".join(f"({s.key!r} not in f)" for s in c.facts) or "0"
        lines.append(f"{pad}g = {count}")
        for s in c.facts:
            lines.append(f"{pad}if {s.key!r} not in f and {s.section!r} not in so:")
            # A found need still without its deadline's date: that date first.
            gap = "(0 if dating else g)" if s.path in froms else "g"
            # S[path] = [fewest answers to settle a rule, highest weight, rules, issues]
            lines.append(f"{pad}    h = S.get({s.path!r})")
            lines.append(f"{pad}    if h is None:")
            lines.append(f"{pad}        S[{s.path!r}] = [{gap}, {w}, 1, ch]")
            lines.append(f"{pad}    else:")
            lines.append(f"{pad}        gg = {gap}")
            lines.append(f"{pad}        if gg < h[0]:")
            lines.append(f"{pad}            h[0] = gg")
            lines.append(f"{pad}        if {w} > h[1]:")
            lines.append(f"{pad}            h[1] = {w}")
            lines.append(f"{pad}        h[2] += 1")
            lines.append(f"{pad}        if not ch <= h[3]:")
            lines.append(f"{pad}            h[3] = h[3] | ch")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<question scan>", "exec"), consts, namespace)
    scan: Scan = namespace["scan"]
    scan.__doc__ = source
    return scan
