-- Audit trail of the reads of personal data and of the exports made through this service (shared/audit.py).
SELECT pg_advisory_xact_lock(hashtext('ali-migrate-{schema}-audit'));
CREATE SCHEMA IF NOT EXISTS {schema};

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
