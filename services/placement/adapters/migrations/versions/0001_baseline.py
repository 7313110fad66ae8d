"""Baseline: the tables the former `placement.sql` created at every start (idempotent: see shared/migrations)."""

# ruff: noqa: E501 - the former SQL script, verbatim
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        -- Read models of placement, written in the same transaction as the events they reflect.
        CREATE TABLE IF NOT EXISTS {schema}.employers (
            employer_id     uuid    PRIMARY KEY,
            siret           text    NOT NULL UNIQUE,
            name            text    NOT NULL,
            size            text    NOT NULL,
            sector          text    NOT NULL,
            social_economy  boolean NOT NULL,
            siae            boolean NOT NULL,
            commune_code    text    NOT NULL
        );
        ALTER TABLE {schema}.employers ADD COLUMN IF NOT EXISTS agency_id text;
        ALTER TABLE {schema}.employers ADD COLUMN IF NOT EXISTS contacts integer NOT NULL DEFAULT 0;
        ALTER TABLE {schema}.employers ADD COLUMN IF NOT EXISTS last_contact_on date;
        ALTER TABLE {schema}.employers ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;
        CREATE INDEX IF NOT EXISTS employers_agency ON {schema}.employers (agency_id);

        CREATE TABLE IF NOT EXISTS {schema}.employer_contacts (
            contact_id    uuid  PRIMARY KEY,
            employer_id   uuid  NOT NULL,
            agency_id     text  NOT NULL,
            contact_date  date  NOT NULL,
            kind          text  NOT NULL,
            caseworker    text  NOT NULL,
            notes         text  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS employer_contacts_employer ON {schema}.employer_contacts (employer_id, contact_date DESC);

        CREATE TABLE IF NOT EXISTS {schema}.needs (
            need_id             uuid              PRIMARY KEY,
            employer_id         uuid              NOT NULL,
            agency_id           text              NOT NULL,
            title               text              NOT NULL,
            sector              text              NOT NULL,
            tasks               text[]            NOT NULL,
            weekly_hours        double precision  NOT NULL,
            time_slots          text[]            NOT NULL,
            commune_code        text              NOT NULL,
            required_aptitudes  text[]            NOT NULL,
            working_conditions  text[]            NOT NULL,
            contract_type       text              NOT NULL,
            duration_months     double precision,
            positions           integer           NOT NULL,
            published_on        date              NOT NULL,
            status              text              NOT NULL,
            ended_on            date,
            version             integer           NOT NULL
        );
        CREATE INDEX IF NOT EXISTS needs_agency ON {schema}.needs (agency_id, status);
        CREATE INDEX IF NOT EXISTS needs_employer ON {schema}.needs (employer_id);

        -- Fed by accompaniment's CandidateProfileUpdated / AccompanimentClosed; guarded by the source stream version.
        CREATE TABLE IF NOT EXISTS {schema}.candidates (
            beneficiary_id       uuid              PRIMARY KEY,
            accompaniment_id     uuid              NOT NULL,
            agency_id            text              NOT NULL,
            commune_code         text              NOT NULL,
            aptitudes            text[]            NOT NULL,
            available_slots      text[]            NOT NULL,
            max_weekly_hours     integer           NOT NULL,
            max_commute_km       double precision  NOT NULL,
            driving_licence      boolean           NOT NULL,
            health_restrictions  text[]            NOT NULL,
            wished_sectors       text[]            NOT NULL,
            active               boolean           NOT NULL,
            source_version       integer           NOT NULL,
            updated_at           timestamptz       NOT NULL
        );
        CREATE INDEX IF NOT EXISTS candidates_agency_active ON {schema}.candidates (agency_id) WHERE active;

        CREATE TABLE IF NOT EXISTS {schema}.introductions (
            introduction_id   uuid     PRIMARY KEY,
            need_id           uuid     NOT NULL,
            employer_id       uuid     NOT NULL,
            beneficiary_id    uuid     NOT NULL,
            agency_id         text     NOT NULL,
            sector            text     NOT NULL,
            introduced_on     date     NOT NULL,
            caseworker        text     NOT NULL,
            outcome           text,
            decided_on        date,
            not_hired_reason  text,
            hire_id           uuid,
            version           integer  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS introductions_need ON {schema}.introductions (need_id, beneficiary_id);
        -- One introduction waiting for its outcome per person and need, even when two are made at the same time.
        CREATE UNIQUE INDEX IF NOT EXISTS introductions_pending
            ON {schema}.introductions (need_id, beneficiary_id) WHERE outcome IS NULL;
        CREATE INDEX IF NOT EXISTS introductions_agency ON {schema}.introductions (agency_id, introduced_on DESC);

        CREATE TABLE IF NOT EXISTS {schema}.hires (
            hire_id          uuid              PRIMARY KEY,
            introduction_id  uuid              NOT NULL UNIQUE,
            need_id          uuid              NOT NULL,
            employer_id      uuid              NOT NULL,
            beneficiary_id   uuid              NOT NULL,
            agency_id        text              NOT NULL,
            sector           text              NOT NULL,
            contract_type    text              NOT NULL,
            duration_months  double precision,
            weekly_hours     double precision  NOT NULL,
            start_date       date              NOT NULL,
            check_ins        jsonb             NOT NULL,
            ended_on         date,
            end_reason       text,
            version          integer           NOT NULL
        );
        CREATE INDEX IF NOT EXISTS hires_need ON {schema}.hires (need_id);
        CREATE INDEX IF NOT EXISTS hires_agency ON {schema}.hires (agency_id, start_date DESC);

        CREATE TABLE IF NOT EXISTS {schema}.immersions (
            immersion_id      uuid     PRIMARY KEY,
            beneficiary_id    uuid     NOT NULL,
            agency_id         text     NOT NULL,
            host_kind         text     NOT NULL,
            employer_id       uuid,
            host_name         text     NOT NULL,
            sector            text,
            periods           jsonb    NOT NULL,
            days_of_presence  integer  NOT NULL,
            renewed           boolean  NOT NULL,
            outcome           text,
            completed_on      date,
            version           integer  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS immersions_agency ON {schema}.immersions (agency_id, immersion_id);
        """,
)
