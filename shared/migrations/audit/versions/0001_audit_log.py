"""The audit trail of reads of personal data, exports and erasures (shared/audit.py)."""

# ruff: noqa: E501 - SQL with its comments
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
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
