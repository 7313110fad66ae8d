"""Versioned migrations of placement's schema (an Alembic script directory; see shared/migrations)."""

from pathlib import Path

from shared.migrations import Migrations

MIGRATIONS = Migrations("placement", Path(__file__).parent)
