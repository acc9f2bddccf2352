"""Persistence only: SQLModel tables, Alembic migrations, transactions and queries.

It never assesses and never calls a service; the services are ``triage.casework``."""
