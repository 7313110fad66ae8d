"""Versioned migrations of intake's schema (an Alembic script directory; see shared/migrations)."""

from pathlib import Path

from shared.migrations import Migrations

MIGRATIONS = Migrations("intake", Path(__file__).parent)
