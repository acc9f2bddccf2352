"""Practice cases: an independent oracle for the triage engine.

Each case in ``tests/practice/cases/*.yaml`` starts from a person, with the
expected answer worked out from the law by hand (see
/work/shared/PRACTICE_CASES.md). This module runs the engine on every case and
scores it, producing plain-word failure lines per case.

    python -m tests.practice.runner                 # summary and every failure
    python -m tests.practice.runner --case ID ...   # just these cases
    python -m tests.practice.runner --write-gaps    # record today's failures in known_gaps.yaml

Nothing here computes a legal date: expected dates are written in the cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GAPS_FILE = HERE / "known_gaps.yaml"

# Our own copy of the urgency ladder; load_cases checks the engine uses the same names.
URGENCIES = ("routine", "soon", "urgent", "emergency")
RANK = {u: i for i, u in enumerate(URGENCIES)}

CASE_KEYS = {"id", "story", "as_of", "tags", "facts", "expect", "sources", "confidence", "needs_fact", "letter"}
EXPECT_KEYS = {"needs", "no_needs", "no_needs_in", "no_issues", "letters_must", "letters_must_not",
               "questions_must", "letter_text"}  # fmt: skip
NEED_KEYS = {"issue", "area", "min_urgency", "min_tier", "max_tier", "deadlines"}
DEADLINE_KEYS = {"id", "label", "date", "status", "late_limit"}
LETTER_CHECK_KEYS = {"kind", "must_contain", "must_not_contain", "must_refuse"}


class CaseFileError(ValueError):
    """A practice case is malformed (not an engine failure: the case must be fixed)."""


# ----------------------------------------------------------------------------- loading


def _day(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CaseFileError(f"{where}: expected a date YYYY-MM-DD, got {value!r}")


def _check_keys(obj: Any, allowed: set[str], where: str) -> None:
    if not isinstance(obj, dict):
        raise CaseFileError(f"{where}: expected a mapping")
    extra = set(obj) - allowed
    if extra:
        raise CaseFileError(f"{where}: unknown keys {sorted(extra)}")


def _validate(case: dict[str, Any], where: str) -> None:
    _check_keys(case, CASE_KEYS, where)
    for key in ("id", "story", "as_of", "facts", "expect", "sources", "confidence"):
        if key not in case:
            raise CaseFileError(f"{where}: missing {key}")
    _day(case["as_of"], f"{where}.as_of")
    exp = case["expect"]
    _check_keys(exp, EXPECT_KEYS, f"{where}.expect")
    for i, need in enumerate(exp.get("needs", [])):
        w = f"{where}.expect.needs[{i}]"
        _check_keys(need, NEED_KEYS, w)
        if ("issue" in need) == ("area" in need):
            raise CaseFileError(f"{w}: give exactly one of issue or area")
        if need.get("min_urgency", "routine") not in RANK:
            raise CaseFileError(f"{w}: unknown urgency {need.get('min_urgency')!r}")
        for j, d in enumerate(need.get("deadlines", [])):
            wd = f"{w}.deadlines[{j}]"
            _check_keys(d, DEADLINE_KEYS, wd)
            if ("id" in d) == ("label" in d):
                raise CaseFileError(f"{wd}: give exactly one of id or label")
            _day(d.get("date"), f"{wd}.date")
            if "late_limit" in d:
                _day(d["late_limit"], f"{wd}.late_limit")
    for i, chk in enumerate(exp.get("letter_text", [])):
        _check_keys(chk, LETTER_CHECK_KEYS, f"{where}.expect.letter_text[{i}]")
    conf = case["confidence"]
    if not isinstance(conf, dict) or conf.get("level") not in {"high", "medium", "low"} or not conf.get("reason"):
        raise CaseFileError(f"{where}.confidence: needs level (high/medium/low) and reason")


def load_cases(folder: Path = CASES_DIR) -> list[dict[str, Any]]:
    """Every case, in file then file order; ids must be unique."""
    from triage.rulesets.model import URGENCY_ORDER

    if set(URGENCY_ORDER) != set(URGENCIES):
        raise CaseFileError(f"engine urgency names changed: {sorted(URGENCY_ORDER)}")
    cases: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, case in enumerate(data.get("cases", [])):
            where = f"{path.name}[{i}]"
            _validate(case, where)
            cid = case["id"]
            if cid in seen:
                raise CaseFileError(f"{where}: duplicate id {cid!r} (also in {seen[cid]})")
            seen[cid] = where
            case = dict(case, _file=path.name)
            cases.append(case)
    return cases


def load_gaps(path: Path = GAPS_FILE) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): list(v or []) for k, v in (data.get("gaps") or {}).items()}


# ----------------------------------------------------------------------------- scoring


@lru_cache(maxsize=1)
def engine() -> Any:
    from triage.engine.engine import Engine

    return Engine.default()


@dataclass
class NeedScore:
    area: str
    label: str
    found: bool
    min_urgency: str
    got_urgency: str | None


@dataclass
class Result:
    case_id: str
    tags: list[str]
    failures: list[str] = field(default_factory=list)
    needs: list[NeedScore] = field(default_factory=list)
    deadlines_expected: int = 0
    deadlines_exact: int = 0
    no_need_case: bool = False
    over_triaged: bool = False
    found: list[str] = field(default_factory=list)  # what the engine gave, for the verbose report


def _areas(spec: dict[str, Any]) -> list[str]:
    a = spec["area"]
    return [a] if isinstance(a, str) else list(a)


def _field_exists(dotted: str) -> bool:
    from triage.facts import SECTIONS

    section, _, name = dotted.partition(".")
    model = SECTIONS.get(section)
    return model is not None and name in model.model_fields


def _deadline_matches(d: Any, spec: dict[str, Any]) -> bool:
    if "id" in spec:
        return bool(d.deadline_id == spec["id"] or d.deadline_id.endswith("." + spec["id"]))
    return str(spec["label"]).lower() in d.label.lower()


def _score_deadlines(name: str, candidates: Sequence[Any], specs: Iterable[dict[str, Any]], res: Result) -> None:
    for spec in specs:
        res.deadlines_expected += 1
        want = _day(spec["date"], "date")
        key = spec.get("id") or f"labelled '{spec['label']}'"
        found = [d for n in candidates for d in n.deadlines if _deadline_matches(d, spec)]
        if not found:
            res.failures.append(f"{name}: deadline {key} missing (expected {want.isoformat()})")
            continue
        exact = [d for d in found if d.date == want]
        if not exact:
            dates = ", ".join(sorted({d.date.isoformat() for d in found}))
            res.failures.append(f"{name}: deadline {key} dated {dates}, expected {want.isoformat()}")
            continue
        res.deadlines_exact += 1
        d = exact[0]
        if "status" in spec and d.status != spec["status"]:
            res.failures.append(f"{name}: deadline {key} status {d.status}, expected {spec['status']}")
        if "late_limit" in spec:
            lim = _day(spec["late_limit"], "late_limit")
            if d.late_limit != lim:
                got = d.late_limit.isoformat() if d.late_limit else "none"
                res.failures.append(f"{name}: deadline {key} late limit {got}, expected {lim.isoformat()}")


def _score_need(spec: dict[str, Any], needs: Sequence[Any], res: Result) -> None:
    min_u = spec.get("min_urgency", "routine")
    if "issue" in spec:
        name = spec["issue"]
        area = name.split(".")[0]
        candidates = [n for n in needs if n.issue == name]
    else:
        areas = _areas(spec)
        name = "area " + "/".join(areas)
        area = areas[0]
        candidates = [n for n in needs if n.area in areas]
    if not candidates:
        res.needs.append(NeedScore(area, name, False, min_u, None))
        res.failures.append(f"missing need {name} (expected urgency at least {min_u})")
        res.deadlines_expected += len(spec.get("deadlines", []))
        return
    best = max(candidates, key=lambda n: RANK[n.urgency])
    res.needs.append(NeedScore(area, name, True, min_u, best.urgency))
    if RANK[best.urgency] < RANK[min_u]:
        res.failures.append(f"{name}: urgency {best.urgency}, expected at least {min_u}")
    lo, hi = spec.get("min_tier"), spec.get("max_tier")
    if lo is not None or hi is not None:
        fits = [n for n in candidates if (lo is None or n.tier >= lo) and (hi is None or n.tier <= hi)]
        if not fits:
            tiers = "/".join(str(t) for t in sorted({n.tier for n in candidates}))
            if lo is not None and all(n.tier < lo for n in candidates):
                res.failures.append(f"{name}: tier {tiers}, expected at least {lo}")
            else:
                res.failures.append(f"{name}: tier {tiers}, expected at most {hi}")
    _score_deadlines(name, candidates, spec.get("deadlines", []), res)


def _plain(html_text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html_text)
    return re.sub(r"\s+", " ", html.unescape(text))


def _score_letter_text(case: dict[str, Any], facts: Any, assessment: Any, res: Result) -> None:
    from triage.letters import LetterDataError, build_context, parse_details, render_letter

    details = parse_details(case.get("letter"), case["id"])
    for chk in case["expect"].get("letter_text", []):
        kind = chk["kind"]
        try:
            ctx = build_context(kind, facts, assessment, details)
            text = _plain(render_letter(kind, ctx, "html").decode("utf-8"))
        except LetterDataError as exc:
            why = chk.get("must_refuse")
            if not why:
                res.failures.append(f"{kind} letter cannot be rendered: {exc}")
            elif isinstance(why, str) and why not in {f for f, _ in exc.problems}:
                res.failures.append(f"{kind} letter is refused, but not for {why}: {exc}")
            continue
        if chk.get("must_refuse"):
            res.failures.append(f"{kind} letter was produced although it must be refused")
        for s in chk.get("must_contain", []):
            if s not in text:
                res.failures.append(f"{kind} letter does not show {s!r}")
        for s in chk.get("must_not_contain", []):
            if s in text:
                res.failures.append(f"{kind} letter shows {s!r}, which must not appear")


def evaluate(case: dict[str, Any]) -> Result:
    """Run the engine on one case and list, in plain words, how it differs from the expectation."""
    from triage.facts import FactsError, parse_facts

    exp = case["expect"]
    tags = list(case.get("tags", []))
    res = Result(case["id"], tags)
    res.no_need_case = bool(exp.get("no_needs")) or "no_need" in tags
    for f in case.get("needs_fact", []):
        if _field_exists(f):
            res.failures.append(f"fact {f} now exists in the model: put it in the facts and drop it from needs_fact")
        else:
            res.failures.append(f"fact model lacks {f}, which this case turns on")
    try:
        facts = parse_facts(case["facts"], case["id"])
    except FactsError as exc:
        res.failures.append(f"facts rejected: {exc}")
        return res
    a = engine().assess(facts, _day(case["as_of"], "as_of"))
    needs = list(a.needs)
    res.found = [
        f"{n.issue} tier {n.tier} {n.urgency}"
        + "".join(f"; {d.deadline_id} {d.date.isoformat()} {d.status}" for d in n.deadlines)
        for n in needs
    ]
    for spec in exp.get("needs", []):
        _score_need(spec, needs, res)
    if exp.get("no_needs") and needs:
        res.failures.append("no needs expected, engine found: " + ", ".join(sorted(n.issue for n in needs)))
        res.over_triaged = True
    for area in exp.get("no_needs_in", []):
        extra = sorted(n.issue for n in needs if n.area == area)
        if extra:
            res.failures.append(f"unexpected need in {area}: {', '.join(extra)}")
            if res.no_need_case:
                res.over_triaged = True
    for issue in exp.get("no_issues", []):
        if any(n.issue == issue for n in needs):
            res.failures.append(f"unexpected need {issue}")
    kinds = {x.kind for x in a.letters}
    for kind in exp.get("letters_must", []):
        if kind not in kinds:
            res.failures.append(f"letter {kind} not listed")
    for kind in exp.get("letters_must_not", []):
        if kind in kinds:
            res.failures.append(f"letter {kind} listed, but it must not be")
    asked = {q.fact for q in a.questions}
    for fact in exp.get("questions_must", []):
        short = fact.split(".", 1)[-1]
        if not any(q in (fact, short) or q.endswith("." + short) for q in asked):
            res.failures.append(f"no question asked about {fact}")
    if exp.get("letter_text"):
        _score_letter_text(case, facts, a, res)
    return res


def run(cases: Sequence[dict[str, Any]]) -> list[Result]:
    return [evaluate(c) for c in cases]


# ----------------------------------------------------------------------------- reporting


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"


def summary(results: Sequence[Result]) -> list[str]:
    lines: list[str] = []
    by_area: dict[str, list[int]] = {}
    for r in results:
        for n in r.needs:
            tally = by_area.setdefault(n.area, [0, 0])
            tally[0] += n.found
            tally[1] += 1
    found = sum(t[0] for t in by_area.values())
    total = sum(t[1] for t in by_area.values())
    passed = sum(1 for r in results if not r.failures)
    urg_ok = sum(
        1 for r in results for n in r.needs if n.found and RANK[n.got_urgency or "routine"] >= RANK[n.min_urgency]
    )
    dl_exp = sum(r.deadlines_expected for r in results)
    dl_ok = sum(r.deadlines_exact for r in results)
    emerg = [n for r in results for n in r.needs if n.min_urgency == "emergency"]
    under = [n for n in emerg if not n.found or n.got_urgency != "emergency"]
    no_need = [r for r in results if r.no_need_case]
    over = [r for r in no_need if r.over_triaged]
    lines.append(f"cases passing: {_pct(passed, len(results))}")
    lines.append(f"needs found: {_pct(found, total)}")
    for area in sorted(by_area):
        f, t = by_area[area]
        lines.append(f"  {area:<15} {_pct(f, t)}")
    lines.append(f"urgency at least as expected: {_pct(urg_ok, total)}")
    lines.append(f"deadlines exact: {_pct(dl_ok, dl_exp)}")
    lines.append(f"emergencies under-triaged: {len(under)} of {len(emerg)}")
    lines.append(f"over-triage on no-need cases: {len(over)} of {len(no_need)}")
    return lines


def write_gaps(results: Sequence[Result], path: Path = GAPS_FILE) -> None:
    out = [
        "# Practice cases the engine fails today, with the exact failure lines.",
        "# Generated by `python -m tests.practice.runner --write-gaps`; do not edit by hand.",
        "# tests/practice/test_practice.py requires each listed case to fail in exactly",
        "# this way, and every other case to pass. When the engine is fixed, regenerate.",
    ]
    gaps = {r.case_id: r.failures for r in results if r.failures}
    body = yaml.safe_dump({"gaps": gaps}, sort_keys=True, allow_unicode=True, width=200)
    path.write_text("\n".join(out) + "\n" + body, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.practice.runner", description=__doc__.splitlines()[0])
    parser.add_argument("--write-gaps", action="store_true", help="record today's failures in known_gaps.yaml")
    parser.add_argument("--case", action="append", default=[], help="run only this case id (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show what the engine found")
    args = parser.parse_args(argv)
    cases = load_cases()
    if args.case:
        wanted = set(args.case)
        cases = [c for c in cases if c["id"] in wanted]
        missing = wanted - {c["id"] for c in cases}
        if missing:
            print(f"no such case: {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    results = run(cases)
    for r in results:
        if r.failures or args.verbose:
            print(f"{r.case_id}: {'FAIL' if r.failures else 'ok'}")
            for line in r.failures:
                print(f"  - {line}")
            if args.verbose:
                for line in r.found or ["(no needs)"]:
                    print(f"    found: {line}")
    print()
    for line in summary(results):
        print(line)
    if args.write_gaps:
        if args.case:
            print("--write-gaps needs the full set (drop --case)", file=sys.stderr)
            return 2
        write_gaps(results)
        print(f"wrote {GAPS_FILE.relative_to(Path.cwd()) if GAPS_FILE.is_relative_to(Path.cwd()) else GAPS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
