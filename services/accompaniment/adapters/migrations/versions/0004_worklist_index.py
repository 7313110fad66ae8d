"""Worklists read their page in order from an index of the agency's accompaniments that are not closed.

Revision ID: 0004
Revises: 0003
"""

# ruff: noqa: E501 - SQL with its comments
from __future__ import annotations

from shared.migrations import execute

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade(schema: str) -> None:
    """Index `accompaniments` by agency and planned end, the accompaniments not closed only."""
    execute(
        schema,
        """
        -- GET /worklists: a page of an agency's accompaniments that are not closed, soonest planned end first.
        -- Walked in this order, the page is read from its first rows instead of filtering and sorting every
        -- accompaniment of the agency on each call.
        CREATE INDEX IF NOT EXISTS accompaniments_worklist
            ON {schema}.accompaniments (agency_id, planned_end_date, accompaniment_id)
            WHERE status <> 'closed';
        """,
    )
