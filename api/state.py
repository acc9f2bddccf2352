"""What one app holds on ``app.state`` beside its settings, store and rate limiter.

:func:`api.app.create_app` makes one of each per app; routes reach them through
:mod:`api.deps`, never through module globals, so two apps in one process (tests
make many) share nothing but what ``triage`` itself shares: an engine is compiled
once per rule-set version per process by ``triage.engine``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from triage.engine.engine import Engine

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value made on first use, once, however many threads ask for it at once."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                value = self._value
                if value is None:
                    value = self._value = self._make()
        return value


class Engines:
    """The app's engines: the newest installed rule-set version (``/readyz``, ``GET /v1/ruleset``)
    and the version in force on a day (every assessment)."""

    def __init__(self, region: str = "england") -> None:
        self.region = region
        self._newest = Lazy(self._load_newest)

    def _load_newest(self) -> Engine:
        from triage.rulesets.registry import select_version

        newest = select_version(self.region)
        return Engine.in_force(newest.in_force_from, self.region, newest.version)

    def newest(self) -> Engine:
        """The newest installed version, loaded and compiled on first use."""
        return self._newest.get()

    def in_force(self, day: dt.date) -> Engine:
        """The version in force on ``day`` (the one an assessment for that day uses)."""
        return Engine.in_force(day, self.region)

    def warm(self, today: dt.date) -> None:
        """Load every installed version (about a second of rule-file parsing each) and compile
        today's question search, so no request waits for either."""
        from triage.rulesets.registry import installed

        self.newest()
        for version in installed(self.region):
            self.in_force(version.in_force_from)
        self.in_force(today).prepare(today)
