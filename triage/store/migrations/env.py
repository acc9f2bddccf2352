"""Alembic environment: migrates the engine passed in ``config.attributes['engine']``,
else the store's default URL, so an installed wheel can migrate itself."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import triage.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from triage.store.db import default_url, make_engine

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    engine = config.attributes.get("engine") or make_engine(default_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
