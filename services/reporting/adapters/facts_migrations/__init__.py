"""Versioned migrations of reporting's fact tables (an Alembic script directory; see shared/migrations).

They live in reporting's own schema (`ALI_REPORTING_DB_SCHEMA`); the `bi` schema's set is `adapters/migrations`.
"""

from pathlib import Path

from shared.migrations import Migrations

FACTS = Migrations("reporting_facts", Path(__file__).parent)
