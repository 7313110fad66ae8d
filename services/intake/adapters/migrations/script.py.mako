"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

from shared.migrations import execute

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade(schema: str) -> None:
    """${message}"""
    execute(
        schema,
        """
        """,
    )


def downgrade(schema: str) -> None:
    """Undo `upgrade`."""
    execute(
        schema,
        """
        """,
    )
