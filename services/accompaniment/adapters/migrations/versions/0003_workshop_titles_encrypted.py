"""Workshop titles leave the read model: they are kept encrypted in private_texts (events v2).

Revision ID: 0003
Revises: 0002
"""

# ruff: noqa: E501 - SQL with its comments
from __future__ import annotations

from shared.migrations import execute

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade(schema: str) -> None:
    """Drop `workshop_sessions.title`."""
    execute(
        schema,
        """
        -- Free text left the read models with the events' version 2: workshop titles are kept encrypted in
        -- private_texts (shared/migrations/private_texts), under the reference text_ref(session_id, 'title').
        ALTER TABLE {schema}.workshop_sessions DROP COLUMN IF EXISTS title;
        """,
    )
