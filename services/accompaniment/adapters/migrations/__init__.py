"""Versioned migrations of accompaniment's schema (an Alembic script directory; see shared/migrations)."""

from pathlib import Path

from shared.migrations import Migrations

MIGRATIONS = Migrations("accompaniment", Path(__file__).parent)
