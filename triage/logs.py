"""Structured logs: one JSON object a line on stderr, for the service's own ``triage.*`` loggers.

Each line has ``time``, ``level``, ``logger``, ``message``, ``pid`` and whatever the call gave
as ``extra`` (a request's ``request_id``, method, path, status and duration). Nothing personal
is logged at the default level: request lines carry ids and codes, never bodies or query
strings, and no module logs names, contact details or answers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from typing import Any

from triage.settings import Settings

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        doc.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            doc["error"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr as it is when a record is written (a test runner swaps it per test)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(config: Settings) -> None:
    """Send ``triage.*`` logs at ``TRIAGE_LOG_LEVEL`` to stderr, as JSON unless ``TRIAGE_LOG_FORMAT=text``.

    Idempotent (apps are made many times in one test process). The records still propagate,
    so a test's log capture sees them too."""
    logger = logging.getLogger("triage")
    logger.setLevel(config.log_level)
    if any(getattr(h, "_triage", False) for h in logger.handlers):
        return
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if config.log_format == "json" else logging.Formatter(logging.BASIC_FORMAT))
    handler._triage = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
