"""One lint finding, with file, line and rule id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One lint finding. ``rule_id`` is a rule, deadline or issue id, or ``None``."""

    file: str
    line: int
    rule_id: str | None
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        rid = f" {self.rule_id}:" if self.rule_id else ""
        return f"{self.file}:{self.line}: {self.severity}: [{self.code}]{rid} {self.message}"
