"""Every ``TRIAGE_*`` setting, typed, in one place: the only module that reads the environment.

``settings()`` reads the environment afresh on each call (a few microseconds), so a
test that sets a variable sees it at once; callers on a hot path read it once at
start-up. A bad value fails with the variable's name and the problem, e.g.
``TRIAGE_API_RATE: Input should be a valid number``.

The table of every variable, its default and what it sets is ``docs/settings.md``;
a test checks that it names every field here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A ``TRIAGE_*`` variable that does not parse; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore", frozen=True)

    home: Path | None = None
    database_url: str | None = None
    demo: bool = False
    demo_password: str | None = None
    secret_key: str | None = None
    https: bool | None = None
    as_of: dt.date | None = None
    api_max_body: PositiveInt = 262_144
    api_rate: float = Field(default=20.0, ge=0)
    api_burst: int = Field(default=40, ge=0)
    redis_url: str | None = None
    redis_prefix: str = "triage"
    signin_max_failures: int = Field(default=5, gt=0)
    signin_lockout_seconds: int = Field(default=900, gt=0)
    retention_days: int = Field(default=730, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    outbox_worker: bool = True
    outbox_interval: float = Field(default=2.0, gt=0)
    outbox_base_delay: float | None = Field(default=None, gt=0)
    outbox_max_delay: float | None = Field(default=None, gt=0)
    outbox_max_attempts: int | None = Field(default=None, gt=0)
    outbox_lease: float | None = Field(default=None, gt=0)
    outbox_timeout: float | None = Field(default=None, gt=0)


def pass_to_worker_processes(**values: str) -> None:
    """Set ``TRIAGE_<NAME>`` for processes started from now on (a server's worker processes
    read their settings afresh): the one place that writes the environment, too."""
    import os

    for name, value in values.items():
        if name not in Settings.model_fields:
            raise SettingsError(f"TRIAGE_{name.upper()}: not a setting")
        os.environ[f"TRIAGE_{name.upper()}"] = value


def settings() -> Settings:
    """The settings as the environment gives them now."""
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "TRIAGE_" + "_".join(str(p) for p in err["loc"]).upper()
        raise SettingsError(f"{name}: {err['msg']}") from None
