"""The audit trail of reads of personal data, exports and erasures (shared/audit.py).

Revision ID: 0001
Revises:
"""

# ruff: noqa: E501 - SQL with its comments
from __future__ import annotations

from shared.migrations import execute

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(schema: str) -> None:
    """Create `audit_log`."""
    execute(
        schema,
        """
        -- Audit trail of the reads of personal data and of the exports made through this service (shared/audit.py).

        CREATE TABLE IF NOT EXISTS {schema}.audit_log (
            id               bigserial   PRIMARY KEY,
            at               timestamptz NOT NULL DEFAULT now(),
            subject          text        NOT NULL,
            role             text        NOT NULL,
            caller_agency_id text,
            action           text        NOT NULL CHECK (action IN ('read', 'export', 'erase')),
            resource         text        NOT NULL,
            resource_id      text,
            beneficiary_id   uuid,
            -- Agency the data belongs to (NULL: several or the department); what an agency manager may read.
            agency_id        text,
            detail           text
        );
        CREATE INDEX IF NOT EXISTS audit_log_agency ON {schema}.audit_log (agency_id, at DESC);
        CREATE INDEX IF NOT EXISTS audit_log_beneficiary ON {schema}.audit_log (beneficiary_id, at DESC);
        """,
    )
