"""Returns after a closed accompaniment, and workshop sessions open to the department.

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
    """The accompaniment a return follows; whether a session takes people of every agency."""
    execute(
        schema,
        """
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS is_return boolean NOT NULL DEFAULT false;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS previous_accompaniment_id uuid;
        ALTER TABLE {schema}.workshop_sessions
            ADD COLUMN IF NOT EXISTS open_to_department boolean NOT NULL DEFAULT false;
        """,
    )


def downgrade(schema: str) -> None:
    """Undo `upgrade`."""
    execute(
        schema,
        """
        ALTER TABLE {schema}.workshop_sessions DROP COLUMN IF EXISTS open_to_department;
        ALTER TABLE {schema}.accompaniments DROP COLUMN IF EXISTS previous_accompaniment_id;
        ALTER TABLE {schema}.accompaniments DROP COLUMN IF EXISTS is_return;
        """,
    )
