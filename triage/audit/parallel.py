"""Spread a per-case job over worker processes, results in input order.

Forked workers inherit the cases and the compiled engines, so only index
ranges travel to them and only (small) results travel back. durable-rules is
not thread-safe and gains nothing from threads (see DURABLE_RULES.md), hence
processes. Where fork is unavailable, or with one process, the job runs here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _run(bounds: tuple[int, int]) -> list[Any]:
    assert _JOB is not None
    fn, items = _JOB
    return [fn(x) for x in items[bounds[0] : bounds[1]]]


def map_ordered(
    fn: Callable[[T], R], items: Sequence[T], processes: int | None = None, chunk_size: int = 500
) -> Iterator[R]:
    """``fn`` over ``items``, in ``processes`` forked workers (default: all cores)."""
    global _JOB
    procs = processes or os.cpu_count() or 1
    if procs <= 1 or len(items) < 2 * chunk_size or os.name != "posix":
        for x in items:
            yield fn(x)
        return
    _JOB = (fn, items)
    try:
        ctx = multiprocessing.get_context("fork")
        bounds = [(i, min(i + chunk_size, len(items))) for i in range(0, len(items), chunk_size)]
        with ctx.Pool(procs) as pool:
            for chunk in pool.imap(_run, bounds):
                yield from chunk
    finally:
        _JOB = None
