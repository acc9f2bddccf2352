"""The engine: assess case facts against a rule set for a given day.

    >>> from triage.engine.engine import Engine
    >>> engine = Engine.default()
    >>> assessment = engine.assess({"housing": {...}}, as_of=date(2026, 11, 23))

Same facts, same rule set, same ``as_of``: same assessment. The engine never
reads the wall clock. One :class:`Engine` may be shared by a web server's
worker threads (calls into durable-rules are serialised; see
``triage.engine.durable_runner``). For throughput use :meth:`Engine.iter_batch_json`,
which spreads cases over processes.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

from triage.engine.assessment import Assessment
from triage.engine.batch import forked_map
from triage.engine.compiler import CATCH_ALL, CompiledRule, CompiledRuleSet, compile_ruleset
from triage.engine.durable_runner import EngineCapacityError, EngineError, ShardedRunner
from triage.engine.findings import FindingsCache, build
from triage.engine.flatten import flatten
from triage.facts import CaseFacts, parse_facts
from triage.rulesets.loader import RuleSet, load_ruleset

__all__ = ["Engine", "EngineError"]

_LOG = logging.getLogger("triage.engine.engine")
_ENGINES: dict[str, Engine] = {}
_RULE_INDEX = attrgetter("index")
_ENGINES_LOCK = threading.Lock()
_INSTALLED: dict[tuple[str, str | None], list[tuple[date, Path]]] = {}
_BY_PATH: dict[Path, Engine] = {}


class Engine:
    """A rule set compiled once, ready to assess any number of cases."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.compiled: CompiledRuleSet = compile_ruleset(ruleset)
        self._runner = ShardedRunner(self.compiled)
        # What assembling assessments builds once and reuses, for as long as this engine lives.
        self.findings = FindingsCache(self.compiled)

    @classmethod
    def for_ruleset(cls, ruleset: RuleSet) -> Engine:
        """The shared engine for this rule set's content hash (compiled once per process)."""
        with _ENGINES_LOCK:
            engine = _ENGINES.get(ruleset.hash)
            if engine is None:
                engine = _ENGINES[ruleset.hash] = cls(ruleset)
            return engine

    @classmethod
    def default(cls, root: Path | str | None = None) -> Engine:
        """The shared engine for the rule set in ``root`` (default: bundled England rules)."""
        return cls.for_ruleset(load_ruleset(root))

    @classmethod
    def in_force(cls, as_of: date, region: str = "england", version: str | None = None) -> Engine:
        """The shared engine for the installed version of ``region`` in force on ``as_of``.

        ``version`` names one explicitly. A day before the earliest installed
        version gets that earliest version: its rules carry their own
        effective dates, and there is no older version to prefer.
        """
        from triage.rulesets.registry import RegistryError, select_version

        key = (region, version)
        with _ENGINES_LOCK:
            versions = _INSTALLED.get(key)
        if versions is None:
            # Installed versions are read once per process: installing a new
            # version is a deployment, followed by a restart.
            versions = []
            from triage.rulesets.registry import installed

            for v in installed(region):
                if version is None or v.version == version:
                    versions.append((v.in_force_from, v.path))
            if not versions:
                select_version(region, version=version)  # raises the registry's own clear error
                raise RegistryError(f"no version of {region} is installed")
            with _ENGINES_LOCK:
                _INSTALLED[key] = versions
        live = [path for start, path in versions if start <= as_of]
        path = live[-1] if live else versions[0][1]
        with _ENGINES_LOCK:
            engine = _BY_PATH.get(path)
        if engine is None:
            engine = cls.default(path)
            with _ENGINES_LOCK:
                _BY_PATH[path] = engine
        return engine

    def prepare(self, as_of: date) -> None:
        """Build ahead what the first case for ``as_of`` would otherwise build.

        The question search groups the rules in force per day (they differ
        by day); a server calls this at start-up so no request waits for it.

        It also moves every object alive now out of the cyclic garbage
        collector's generations (``gc.freeze``): the compiled rule sets live as
        long as the process, and otherwise every full collection walks them
        again, about a tenth of an assessment's time (``bench/engine.py``).
        Forked batch workers then share those pages instead of copying them.
        """
        self.findings.prepare(as_of.toordinal())
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------ single cases

    def assess(self, facts: CaseFacts | Mapping[str, Any], as_of: date) -> Assessment:
        """Assess one case for the day ``as_of``. Raises FactsError on bad facts."""
        if not isinstance(as_of, date):
            raise TypeError("as_of must be a date")
        case = facts if isinstance(facts, CaseFacts) else parse_facts(dict(facts))
        flat = flatten(case, as_of)
        fired = self.fired_rules(flat, case.case_ref)
        return build(self.findings, fired, case, flat, as_of)

    def fired_rules(self, flat: dict[str, Any], case_ref: str | None = None) -> list[CompiledRule]:
        """The rules durable-rules fires for a flat case, deduplicated, in rule-file order.

        A rule whose condition has an ``any`` may fire once per true branch;
        each rule counts once. A case beyond durable-rules' fixed limits
        (:class:`EngineCapacityError`) is evaluated by the same compiled rules
        in Python, with a warning logged.
        """
        try:
            names = set(self._runner.fired(flat, case_ref))
        except EngineCapacityError as exc:
            # durable-rules has fixed-size tables: a case with most of the
            # questionnaire answered can match more tests at once than its
            # evaluation stack holds. The same compiled rules in Python, which
            # every test checks against it, answer instead of an error.
            _LOG.warning("%s; evaluated in Python instead", exc)
            return self.fired_python(flat)
        names.discard(CATCH_ALL)
        return sorted(map(self.compiled.by_name.__getitem__, names), key=_RULE_INDEX)

    def fired_python(self, flat: dict[str, Any]) -> list[CompiledRule]:
        """The same rules evaluated in plain Python: the reference the engine is checked against."""
        return [c for c in self.compiled.rules if c.fires(flat)]

    # ------------------------------------------------------------ batches

    def assess_batch(
        self,
        cases: Sequence[CaseFacts | Mapping[str, Any]],
        as_of: date,
        processes: int = 1,
        chunk_size: int = 250,
    ) -> list[Assessment]:
        """Assess many cases, in input order, as :class:`Assessment` objects.

        Runs here unless ``processes`` > 1 and there are at least two
        chunks of cases. Objects cannot leave a worker
        process more cheaply than they are made: rebuilding one from the
        worker's JSON costs this process 170–230 us against 105–170 us to
        assess the case (``bench/engine.py`` reports both), so workers only
        pay when the caller is not waiting on this process. For throughput
        use :meth:`iter_batch_json`, which spreads the work over cores and
        rebuilds nothing.
        """
        _check_batch(chunk_size, processes, as_of)
        if processes == 1 or len(cases) < 2 * chunk_size:
            return [self.assess(c, as_of) for c in cases]
        return list(self.iter_batch(cases, as_of, processes, chunk_size))

    def iter_batch(
        self,
        cases: Iterable[CaseFacts | Mapping[str, Any]],
        as_of: date,
        processes: int,
        chunk_size: int = 250,
    ) -> Iterator[Assessment]:
        """Like :meth:`iter_batch_json`, each result rebuilt here as an :class:`Assessment`."""
        for text in self.iter_batch_json(cases, as_of, processes, chunk_size):
            yield Assessment.model_validate_json(text)

    def iter_batch_json(
        self,
        cases: Iterable[CaseFacts | Mapping[str, Any]],
        as_of: date,
        processes: int,
        chunk_size: int = 250,
    ) -> Iterator[str]:
        """Assessments as JSON text, in input order, computed in ``processes`` forked workers.

        The cheapest way to get results out of worker processes: workers
        serialise in Rust (pydantic-core) into shared memory and nothing is
        rebuilt here, which is what bulk consumers (exports, rule-set diffs)
        want. A case with bad facts raises :class:`~triage.facts.FactsError`
        when its turn comes, after every result before it, noting its place
        in the batch; a worker that dies raises
        :class:`~triage.engine.batch.WorkerStopped`. With one process, or where
        ``fork`` is not available, the cases are assessed here, one by one.
        """
        _check_batch(chunk_size, processes, as_of)
        if processes == 1 or "fork" not in multiprocessing.get_all_start_methods():
            for i, case in enumerate(cases):
                try:
                    text = self.assess(case, as_of).model_dump_json()
                except Exception as exc:
                    exc.add_note(f"while working batch item {i}")
                    raise
                yield text
            return
        self.prepare(as_of)  # once here, inherited by every worker
        to_json = Assessment.__pydantic_serializer__.to_json

        def work(case: CaseFacts | Mapping[str, Any]) -> bytes:
            return to_json(self.assess(case, as_of))

        yield from forked_map(work, cases, _utf8, processes, chunk_size)


def _utf8(view: memoryview) -> str:
    return str(view, "utf-8")


def _check_batch(chunk_size: int, processes: int, as_of: date) -> None:
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a whole number of at least 1, got {chunk_size!r}")
    if not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be a whole number of at least 1, got {processes!r}")
    if not isinstance(as_of, date):
        raise TypeError("as_of must be a date")
