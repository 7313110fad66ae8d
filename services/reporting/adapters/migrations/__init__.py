"""Versioned migrations of reporting's schema (an Alembic script directory; see shared/migrations)."""

from pathlib import Path

from shared.migrations import Migrations

MIGRATIONS = Migrations("reporting", Path(__file__).parent)
