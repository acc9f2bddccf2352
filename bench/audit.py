"""Audit benchmark: `rules diff` against assessing the same cases under both rule sets, in one run.

    python bench/audit.py [--cases 100000] [--seed 1] [--processes N] [--repeat 2]

The new rule set is a throwaway copy of the bundled one with one rule's tier
changed (a realistic small change). Times, on the same generated cases:

(a) baseline: assess every case under the old and the new rule set, results
    discarded (``triage.audit.diff.assess_both``, the same worker processes);
(b) the lead's batch API doing the same: ``Engine.iter_batch_json`` under each;
(c) diff: validate each case once, assess under both, compare, collect changes
    (``triage.audit.diff.diff``), i.e. everything ``triage rules diff`` does but print.

Prints diff / baseline ratios (target: diff <= 1.3 x baseline); asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.rulesets_util import copy_ruleset
from triage.audit.corpus import CaseRecord
from triage.audit.diff import assess_both, diff
from triage.audit.synth import corpus_generator
from triage.engine.batch import map_ordered
from triage.engine.engine import Engine

AS_OF = date(2026, 11, 23)
RULE = "housing.adaptations.dfg_decision_due"


def retiered_copy(tmp: Path) -> Path:
    rs = copy_ruleset(tmp)
    path = rs / "rules" / "housing.yaml"
    text = path.read_text()
    at = text.index(f"- id: {RULE}\n")
    tier_at = text.index("tier: 2", at)
    path.write_text(text[:tier_at] + "tier: 3" + text[tier_at + 7 :])
    return rs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=2, help="timed rounds; the best of each is kept")
    ap.add_argument("--skip-batch", action="store_true", help="leave out (b), the batch-API reference")
    args = ap.parse_args()

    old = Engine.default()
    with tempfile.TemporaryDirectory() as tmp:
        new = Engine.default(retiered_copy(Path(tmp)))
        gen = corpus_generator(old.ruleset, AS_OF)
        t0 = time.perf_counter()
        cases = list(map_ordered(partial(gen.case, args.seed), range(args.cases), args.processes))
        t_gen = time.perf_counter() - t0
        records = [CaseRecord(c["case_ref"], AS_OF, c["facts"], c["case_ref"]) for c in cases]
        jobs = [(r.ref, AS_OF, r.facts) for r in records]  # raw facts: each assessment validates them
        print(f"{len(cases)} cases generated in {t_gen:.1f}s; {len(old.ruleset.rules)} rules; "
              f"{args.processes} processes; cpus {os.cpu_count()}")

        base = batch = diff_t = float("inf")
        changed = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            assess_both(old, new, jobs, args.processes)  # type: ignore[arg-type]
            base = min(base, time.perf_counter() - t0)

            if not args.skip_batch:
                t0 = time.perf_counter()
                facts_only = [c["facts"] for c in cases]
                for engine in (old, new):
                    for _text in engine.iter_batch_json(facts_only, AS_OF, args.processes):
                        pass
                batch = min(batch, time.perf_counter() - t0)

            t0 = time.perf_counter()
            report = diff(old, new, records, AS_OF, args.processes)
            diff_t = min(diff_t, time.perf_counter() - t0)
            changed = len(report.changed)

    n = len(cases)
    print(f"(a) assess under both (same workers): {base:.2f}s  ({1e6 * base / n:.0f} us/case)")
    if not args.skip_batch:
        print(f"(b) Engine.iter_batch_json under both: {batch:.2f}s  ({1e6 * batch / n:.0f} us/case)")
    print(f"(c) diff (validate, assess both, compare): {diff_t:.2f}s  ({1e6 * diff_t / n:.0f} us/case); "
          f"{changed} cases changed")
    print(f"ratio diff / (a) = {diff_t / base:.2f}   (target <= 1.3)")
    if not args.skip_batch:
        print(f"ratio diff / (b) = {diff_t / batch:.2f}")


if __name__ == "__main__":
    main()
