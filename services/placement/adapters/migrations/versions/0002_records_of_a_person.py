"""A person's introductions and immersions found together (they move with the person to another agency).

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
    """Index introductions and immersions by person."""
    execute(
        schema,
        """
        CREATE INDEX IF NOT EXISTS introductions_beneficiary ON {schema}.introductions (beneficiary_id);
        CREATE INDEX IF NOT EXISTS immersions_beneficiary ON {schema}.immersions (beneficiary_id);
        """,
    )


def downgrade(schema: str) -> None:
    """Undo `upgrade`."""
    execute(
        schema,
        """
        DROP INDEX IF EXISTS {schema}.immersions_beneficiary;
        DROP INDEX IF EXISTS {schema}.introductions_beneficiary;
        """,
    )
