"""Engine benchmark: three ways over the same varied cases, in one run.

    python bench/engine.py [--cases 20000] [--memory-cases 1000000] [--seed 1]

(a) the full ``assess`` path: validation, durable-rules, deadlines, policy, reasons, questions
(b) bare durable-rules on the same compiled rules, as the issue defines it: per
    case, assert the flat facts in a new session, collect what fired, delete
    the session's state
(c) the same compiled rules evaluated in plain Python by the tree-walking
    interpreter (``conditions.interpret``), the engine's reference and its
    fallback for a case beyond durable-rules' limits
and, beside them, (b2) bare durable-rules the way the engine drives it: one
session kept open, each case's fact asserted, what fired collected, the fact
retracted. Creating a session zeroes a ~2 MB block in the C engine, so (b2)
is far cheaper than (b); a/b2 says how much the engine's own Python costs.
It checks all of them agree on every case, then times the multi-process batch
API against one core, and memory (RSS) from 100k to N assessed cases.
Prints ratios; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import durable_rules_engine as dre

from triage.audit.golden import load_golden
from triage.audit.synth import generate
from triage.engine.engine import Engine
from triage.engine.flatten import flatten
from triage.facts import parse_facts

AS_OF = date(2026, 11, 23)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _assert_and_collect(handle: int, payload: str) -> list[str]:
    """Assert one fact and collect the names of the rules that fired for it."""
    names = []
    state = dre.assert_fact(handle, payload)[1]
    action = dre.start_action_for_state(handle, state)
    message = action[1] if action else None
    while message:
        names.append(message[2 : message.index('"', 2)])
        message = dre.complete_and_start_action(handle, state)
    return names


def bare_fresh(handles: tuple[int, ...], flat: dict[str, Any], sid: str) -> list[str]:
    """(b): a new session per case in each of the rule set's durable-rules shards: assert, collect
    the rules that fired, delete the state."""
    names: list[str] = []
    payload = json.dumps({**flat, "sid": sid, "id": sid})
    for handle in handles:
        try:
            names += _assert_and_collect(handle, payload)
        finally:
            dre.delete_state(handle, sid)
    return names


def bare_reused(handles: tuple[int, ...], flat: dict[str, Any], sid: str, fid: str) -> list[str]:
    """(b2): one open session per shard: assert the case's fact, collect, retract it."""
    payload = json.dumps({**flat, "sid": sid, "id": fid})
    names: list[str] = []
    for handle in handles:
        names += _assert_and_collect(handle, payload)
        dre.retract_fact(handle, payload)
    return names


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--memory-cases", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    engine = Engine.default()
    engine.prepare(AS_OF)  # as a server does at start-up (and the batch API before it forks)
    seeds = [c.facts for c in load_golden(engine.ruleset.root)]
    cases = generate(args.cases, args.seed, AS_OF, seeds=seeds)
    flats = [flatten(parse_facts(c), AS_OF) for c in cases]
    handles = engine._runner.handles
    print(f"rule set {engine.ruleset.name} {engine.ruleset.version}: {len(engine.ruleset.rules)} rules "
          f"in {len(handles)} durable-rules shards; {len(cases)} cases; cpus {os.cpu_count()}")

    # The three ways run in alternating blocks of the same cases, so anything
    # else the machine does slows them alike and the ratios stay fair. (a)
    # keeps only what the agreement check needs, as a streaming caller would.
    by_name = engine.compiled.by_name
    rules = engine.compiled.rules
    full: list[tuple[list[str], int]] = []
    bare: list[list[str]] = []
    reused: list[list[str]] = []
    plain: list[list[str]] = []
    ta = tb = tb2 = tc = 0.0
    block = 500
    for lo in range(0, len(cases), block):
        t0 = time.perf_counter()
        for c in cases[lo : lo + block]:
            a = engine.assess(c, AS_OF)
            full.append((a.rules_fired, len(a.needs)))
        t1 = time.perf_counter()
        bare.extend(bare_fresh(handles, f, f"bench-{lo + i}") for i, f in enumerate(flats[lo : lo + block]))
        t2 = time.perf_counter()
        reused.extend(bare_reused(handles, f, "bench-open", f"bench-{lo + i}")
                      for i, f in enumerate(flats[lo : lo + block]))  # fmt: skip
        t3 = time.perf_counter()
        plain.extend([c.name for c in rules if c.fires(f)] for f in flats[lo : lo + block])
        t4 = time.perf_counter()
        ta, tb, tb2, tc = ta + t1 - t0, tb + t2 - t1, tb2 + t3 - t2, tc + t4 - t3
    for handle in handles:
        dre.delete_state(handle, "bench-open")

    # Where (a) goes beyond (b): time the questions-worth-asking search alone,
    # on the same cases, by wrapping it (the wrapper's cost is in its figure).
    import triage.engine.findings as findings

    inner = findings.questions_worth_asking
    spent = [0.0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    findings.questions_worth_asking = timed
    t0 = time.perf_counter()
    for c in cases[: min(len(cases), 5000)]:
        engine.assess(c, AS_OF)
    share = spent[0] / (time.perf_counter() - t0)
    findings.questions_worth_asking = inner

    disagree = 0
    fired_total = 0
    for (a_fired, _), b, b2, c in zip(full, bare, reused, plain, strict=True):
        bset = sorted({by_name[n].rule.id for n in b if n in by_name})
        b2set = sorted({by_name[n].rule.id for n in b2 if n in by_name})
        cset = sorted({by_name[n].rule.id for n in c})
        fired_total += len(cset)
        if sorted(a_fired) != bset or bset != b2set or bset != cset:
            disagree += 1
    n = len(cases)
    print(f"mean rules fired per case: {fired_total / n:.2f}; needs per case: "
          f"{sum(k for _, k in full) / n:.2f}")
    print(f"(a) full assess   : {n / ta:9.0f} cases/s  {ta / n * 1e6:7.1f} us/case")
    print(f"(b) bare durable  : {n / tb:9.0f} cases/s  {tb / n * 1e6:7.1f} us/case  (a session per case)")
    print(f"(b2) bare durable : {n / tb2:9.0f} cases/s  {tb2 / n * 1e6:7.1f} us/case  (one session, facts retracted)")
    print(f"(c) plain Python  : {n / tc:9.0f} cases/s  {tc / n * 1e6:7.1f} us/case  (the interpreter, every rule)")
    print(f"ratio a/b = {ta / tb:.2f} (target <= 2.0; (b) as the issue defines it, a session per case)")
    print(f"ratio a/b2 = {ta / tb2:.2f} (what the engine's own Python costs over the rules engine driven "
          f"its way; (b2) skips the engine's lock and isolation checks, about 3 us)")
    print(f"b/b2 = {tb / tb2:.1f}; b/c = {tb / tc:.1f}; a/c = {ta / tc:.1f}")
    print(f"disagreements between (a), (b), (b2) and (c): {disagree} of {n}")
    print(f"of (a), the questions-worth-asking search takes {100 * share:.0f}%: "
          f"(a) without it would be about {(1 - share) * ta / tb:.2f} x (b), "
          f"{(1 - share) * ta / tb2:.2f} x (b2)")

    del full, bare, reused, plain
    gc.collect()
    gc.freeze()  # inputs are long-lived: keep them out of the collector's way for fair timing
    # This machine's speed drifts between runs of the same code (the one-core
    # pass alone has taken from 4.7 s to 8.1 s), so one-core and two-process
    # passes alternate over three rounds and the median round is the figure.
    rounds: list[tuple[float, float]] = []
    same = True
    for r in range(3):
        # The middle round runs the two-process pass first, so order favours neither.
        for which in ("two", "one") if r == 1 else ("one", "two"):
            t0 = time.perf_counter()
            if which == "one":
                one_json = [engine.assess(c, AS_OF).model_dump_json() for c in cases]
                t1 = time.perf_counter() - t0
            else:
                two_json = list(engine.iter_batch_json(cases, AS_OF, processes=2, chunk_size=500))
                t2 = time.perf_counter() - t0
        same = same and one_json == two_json
        rounds.append((t1, t2))
        del two_json
    t1, t2 = sorted(rounds, key=lambda pair: pair[0] / pair[1])[1]
    t0 = time.perf_counter()
    two_obj = engine.assess_batch(cases, AS_OF, processes=2, chunk_size=500)
    t3 = time.perf_counter() - t0
    same = same and one_json == [a.model_dump_json() for a in two_obj]
    print(f"batch (JSON results): 1 core {n / t1:.0f} cases/s, 2 processes {n / t2:.0f} cases/s, "
          f"speed-up {t1 / t2:.2f}x, the median of rounds "
          f"{', '.join(f'{a / b:.2f}x' for a, b in rounds)} (target >= 1.7x); identical results: {same}")
    print(f"batch (Assessment objects rebuilt in the parent): {n / t3:.0f} cases/s, "
          f"speed-up {t1 / t3:.2f}x")

    if args.memory_cases:
        # Measure the engine, not the 3 x N results kept above for the comparison.
        del one_json, two_obj
        gc.collect()
        done, marks = 0, {}
        checkpoints = sorted({min(100_000, args.memory_cases), args.memory_cases})
        t0 = time.perf_counter()
        while done < args.memory_cases:
            engine.assess(cases[done % n], AS_OF)
            done += 1
            if done in checkpoints:
                gc.collect()
                marks[done] = rss_mb()
                print(f"  after {done:>9,} cases: RSS {marks[done]:.1f} MB "
                      f"({time.perf_counter() - t0:.0f}s)", flush=True)
        first, last = marks[checkpoints[0]], marks[checkpoints[-1]]
        print(f"memory: {first:.1f} MB at {checkpoints[0]:,} -> {last:.1f} MB at "
              f"{checkpoints[-1]:,}: growth {100 * (last - first) / first:+.1f}% (target within 10%); "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.1f} MB")


if __name__ == "__main__":
    main()
