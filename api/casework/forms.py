"""Reading casework forms: text, ticks and dates typed as day, month and year.

Every problem is a plain-English message for the field it belongs to (never a
library's text); the decisions themselves (what consent allows, which agency
fits) stay in ``triage.casework``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from starlette.datastructures import FormData

When = Literal["past", "future", "any"]


class Form:
    """A submitted form with the errors found so far, by field id (in page order)."""

    def __init__(self, data: FormData) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def text(self, name: str, max_length: int = 200) -> str:
        value = str(self.data.get(name, "") or "").strip()
        if len(value) > max_length:
            self.errors[name] = f"Keep this to {max_length} characters or fewer"
        return value

    def ticked(self, name: str) -> list[str]:
        return [str(v) for v in self.data.getlist(name)]

    def tick(self, name: str) -> bool:
        return str(self.data.get(name, "")) in ("yes", "on", "true")

    def date(
        self, name: str, label: str, *, when: When = "any", today: dt.date, required: bool = False
    ) -> dt.date | None:
        """A date from ``name-day``, ``name-month``, ``name-year``; errors say what to fix.

        ``when="past"``: today or earlier (a date of birth); ``"future"``: today or later."""
        parts = [str(self.data.get(f"{name}-{p}", "") or "").strip() for p in ("day", "month", "year")]
        if not any(parts):
            if required:
                self.errors[name] = f"Enter {label}"
            return None
        if not all(parts):
            missing = [p for p, v in zip(("a day", "a month", "a year"), parts, strict=True) if not v]
            self.errors[name] = f"{label[0].upper()}{label[1:]} must include {' and '.join(missing)}"
            return None
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.errors[name] = f"{label[0].upper()}{label[1:]} must be a real date, for example 27 3 1980"
            return None
        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.errors[name] = f"{label[0].upper()}{label[1:]} must be a real date, for example 27 3 1980"
            return None
        if when == "past" and day > today:
            self.errors[name] = f"{label[0].upper()}{label[1:]} must be today or in the past"
        elif when == "future" and day < today:
            self.errors[name] = f"{label[0].upper()}{label[1:]} must be today or in the future"
        return day

    def raw_date(self, name: str) -> dict[str, str]:
        """What was typed, to show it again beside an error."""
        return {p: str(self.data.get(f"{name}-{p}", "") or "")[:4] for p in ("day", "month", "year")}


def iso_day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None
