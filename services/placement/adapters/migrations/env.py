"""Alembic environment of this migration set (see shared/migrations)."""

from shared.migrations import run_alembic_env

run_alembic_env()
