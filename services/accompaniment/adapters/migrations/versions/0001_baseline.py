"""Baseline: the tables the former `accompaniment.sql` created at every start (idempotent: see shared/migrations)."""

# ruff: noqa: E501 - the former SQL script, verbatim
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        -- Read models of accompaniment, written in the same transaction as the events they derive from.

        CREATE TABLE IF NOT EXISTS {schema}.accompaniments (
            accompaniment_id  uuid        PRIMARY KEY,
            beneficiary_id    uuid        NOT NULL,
            agency_id         text        NOT NULL,
            start_date        date        NOT NULL,
            planned_end_date  date        NOT NULL,
            orientation_date  date        NOT NULL,
            status            text        NOT NULL,
            closed_on         date,
            exit_category     text,
            exit_group        text,
            version           integer     NOT NULL
        );
        -- Columns added with the full follow-up (kept as ALTERs so existing databases gain them).
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS commune_code text;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS referent_id text;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS contract_signed_on date;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS contract_late boolean;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS last_contact_on date;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS first_appointment_delay_days integer;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS suspended_since date;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS renewals integer NOT NULL DEFAULT 0;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS proposed_exit_category text;
        CREATE INDEX IF NOT EXISTS accompaniments_beneficiary ON {schema}.accompaniments (beneficiary_id);
        CREATE INDEX IF NOT EXISTS accompaniments_agency ON {schema}.accompaniments (agency_id, status);
        CREATE INDEX IF NOT EXISTS accompaniments_referent ON {schema}.accompaniments (agency_id, referent_id);

        CREATE TABLE IF NOT EXISTS {schema}.workshop_sessions (
            session_id    uuid     PRIMARY KEY,
            agency_id     text     NOT NULL,
            theme         text     NOT NULL,
            title         text,
            session_date  date     NOT NULL,
            capacity      integer  NOT NULL,
            registered    integer  NOT NULL,
            attended      integer  NOT NULL,
            version       integer  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS workshop_sessions_agency ON {schema}.workshop_sessions (agency_id, session_date);

        CREATE TABLE IF NOT EXISTS {schema}.workshop_registrations (
            session_id        uuid     NOT NULL,
            accompaniment_id  uuid     NOT NULL,
            beneficiary_id    uuid     NOT NULL,
            registered_on     date     NOT NULL,
            attended          boolean,
            PRIMARY KEY (session_id, accompaniment_id)
        );
        """,
)
