"""The JSON fact table goes: the `bi` views read reporting's typed fact tables (generated at start-up).

The views are derived objects: reporting re-creates them at every start, under this schema's migration lock, from the
indicator definitions and the department's headline groups (`services/reporting/adapters/bi.py`).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from shared.migrations import execute

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade(schema: str) -> None:
    """Drop the JSON fact table and the views over it."""
    execute(schema, "DROP TABLE IF EXISTS {schema}.facts CASCADE")


def downgrade(schema: str) -> None:
    """The JSON fact table is not brought back: its contents were a copy of the facts."""
    raise NotImplementedError("the JSON fact table is not restored")
