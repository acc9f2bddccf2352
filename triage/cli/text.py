"""A readable plain-text rendering of an assessment, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from triage.engine.assessment import Assessment, Need
from triage.rulesets.taxonomy import Resource


def _deadline_cell(need: Need) -> str:
    live = [d for d in need.deadlines if d.status in ("open", "late_route")]
    if not live:
        if need.deadlines:
            d = need.deadlines[0]
            return f"{d.date} ({d.status})"
        return "-"
    d = min(live, key=lambda d: d.days_left)
    if d.status == "late_route" and d.late_limit is None:
        return f"{d.date} (passed; late route, no fixed limit)"
    when = d.late_limit if d.status == "late_route" else d.date
    return f"{when} ({d.days_left} days{', late route' if d.status == 'late_route' else ''})"


def render(a: Assessment, general: Sequence[Resource] = ()) -> str:
    """Needs table first, then per-need deadlines and reasons with sources.

    With no need found, ``general`` (the taxonomy's general advice) is listed instead of an empty result."""
    lines = [
        f"Assessment for {a.case_ref or 'case'} on {a.as_of} "
        f"(rule set {a.ruleset.name} {a.ruleset.version}, {a.ruleset.hash[:12]})",
        "",
    ]
    if not a.needs:
        lines.append("No legal needs found from the answers so far.")
        if general:
            lines.append("General advice the person can use now:")
            lines += [f"  - {r.title} ({r.publisher}): {r.summary} {r.url}" for r in general]
    else:
        rows = [("#", "Need", "Tier", "Urgency", "Next deadline")]
        for i, n in enumerate(a.needs, 1):
            rows.append((str(i), f"{n.issue_label} [{n.issue}]", str(n.tier), n.urgency,
                         _deadline_cell(n)))  # fmt: skip
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        for j, r in enumerate(rows):
            lines.append("  ".join(cell.ljust(widths[c]) for c, cell in enumerate(r)).rstrip())
            if j == 0:
                lines.append("  ".join("-" * w for w in widths))
    for i, n in enumerate(a.needs, 1):
        lines += ["", f"{i}. {n.issue_label} ({n.area_label}): tier {n.tier}, {n.urgency}"
                  + (", LATE" if n.late else "") + f", confidence {n.confidence}"]  # fmt: skip
        if n.legal_aid:
            lines.append(f"   Legal aid scope: {n.legal_aid}")
        for d in n.deadlines:
            extra = ""
            if d.status == "late_route":
                extra = f"; late route until {d.late_limit}" if d.late_limit else "; late route, no fixed limit"
            lines.append(f"   Deadline {d.date}: {d.label} [{d.status}{extra}] "
                         f"- {d.source[0].title}")  # fmt: skip
        for reason in n.reasons:
            src = f" [{reason.source[0].title}]" if reason.source else ""
            effect = f" ({reason.effect})" if reason.effect else ""
            lines.append(f"   Because: {reason.text.strip()}{effect}{src}")
            if reason.fired_on_unknown:
                lines.append(f"      (fired while unknown: {', '.join(reason.fired_on_unknown)})")
        for res in n.resources[:3]:
            lines.append(f"   Read together: {res.title} ({res.publisher}) {res.url}")
    if a.letters:
        lines += ["", "Letters needed:"]
        for x in a.letters:
            purpose = f" ({x.purpose})" if x.purpose else ""
            lines.append(f"  - {x.kind}{purpose} for {x.issue}")
    if a.contradictions:
        lines += ["", "Check these answers, they conflict:"]
        lines += [f"  - {c.message}" for c in a.contradictions]
    if a.questions:
        lines += ["", "Questions still worth asking:"]
        lines += [f"  - {q.question} [{q.fact}]" for q in a.questions]
    return "\n".join(lines) + "\n"
