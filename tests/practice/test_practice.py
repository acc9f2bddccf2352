"""One test per practice case (tests/practice/cases/*.yaml).

A case passes when the engine meets every expectation. A case listed in
known_gaps.yaml is a strict expected failure: it must still fail in exactly the
listed way. If it now passes, or fails differently, the test fails and says so,
so a fix (or a regression) can never go unnoticed. Nothing is skipped.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.practice.runner import evaluate, load_cases, load_gaps, summary

CASES = load_cases()
GAPS = load_gaps()


def test_gaps_name_real_cases() -> None:
    unknown = sorted(set(GAPS) - {c["id"] for c in CASES})
    assert not unknown, f"known_gaps.yaml lists cases that do not exist: {unknown}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_practice_case(case: dict[str, Any]) -> None:
    result = evaluate(case)
    got = result.failures
    listed = GAPS.get(case["id"])
    if listed is None:
        assert not got, "engine differs from the practice case:\n  - " + "\n  - ".join(got)
        return
    if not got:
        pytest.fail(f"{case['id']} now passes. fixed: remove it from known_gaps.yaml")
    if sorted(got) != sorted(listed):
        gone = sorted(set(listed) - set(got))
        new = sorted(set(got) - set(listed))
        msg = [f"{case['id']} fails differently from known_gaps.yaml"]
        if gone:
            msg.append("fixed: remove these lines from known_gaps.yaml:\n  - " + "\n  - ".join(gone))
        if new:
            msg.append("new failures:\n  - " + "\n  - ".join(new))
        pytest.fail("\n".join(msg))


def test_summary_renders() -> None:
    lines = summary([evaluate(c) for c in CASES[:3]])
    assert any(line.startswith("deadlines exact") for line in lines)
