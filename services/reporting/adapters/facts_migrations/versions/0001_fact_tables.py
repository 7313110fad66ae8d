"""Reporting's facts: one typed table per kind of fact, one per kind of history entry.

Written by the reporting workers (one transaction per consumed batch), read by every replica; the `bi` views are built
on them. `generation` is the projection's change counter: every batch moves `projection_state.generation` by one (a row
lock, so generations follow commit order) and stamps the facts it wrote with it.
"""

# ruff: noqa: E501 - SQL
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        -- Reporting's facts: one typed table per kind of fact, one per kind of history entry. Written by the reporting
        -- workers (one transaction per consumed batch), read by every replica; the `bi` views are built on them.
        -- `generation` is the projection's change counter: every batch moves `projection_state.generation` by one (a
        -- row lock, so generations follow commit order) and stamps the facts it wrote with it.
        CREATE SCHEMA IF NOT EXISTS {schema};

        CREATE TABLE IF NOT EXISTS {schema}.projection_state (
            singleton           boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
            store_id            uuid        NOT NULL,
            projection_version  int         NOT NULL,
            generation          bigint      NOT NULL DEFAULT 0,
            caught_up_at        timestamptz
        );
        COMMENT ON TABLE {schema}.projection_state IS 'Generation of the facts (moves with every batch) and whether they ever caught up with the topics.';

        CREATE TABLE IF NOT EXISTS {schema}.offsets (
            topic        text   NOT NULL,
            partition    int    NOT NULL,
            next_offset  bigint NOT NULL,
            PRIMARY KEY (topic, partition)
        );
        COMMENT ON TABLE {schema}.offsets IS 'Next record to read in each partition, written with the facts it produced.';

        CREATE TABLE IF NOT EXISTS {schema}.stream_versions (
            stream_id   text   PRIMARY KEY,
            version     int    NOT NULL,
            generation  bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS stream_versions_generation ON {schema}.stream_versions (generation);
        COMMENT ON TABLE {schema}.stream_versions IS 'Last version of each event stream folded into the facts: a redelivered event changes nothing.';

        CREATE TABLE IF NOT EXISTS {schema}.accompaniments (
            accompaniment_id  uuid   PRIMARY KEY,
            beneficiary_id    uuid   NOT NULL,
            agency_id         text   NOT NULL,
            orientation_date  date   NOT NULL,
            start_date        date   NOT NULL,
            planned_end_date  date   NOT NULL,
            closed_on         date,
            exit_category     text,
            proposed_exit     text,
            generation        bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS accompaniments_generation ON {schema}.accompaniments (generation);
        COMMENT ON COLUMN {schema}.accompaniments.agency_id IS 'Agency that opened it; accompaniment_transfers move it.';

        CREATE TABLE IF NOT EXISTS {schema}.accompaniment_transfers (
            accompaniment_id  uuid NOT NULL,
            seq               int  NOT NULL,
            transferred_on    date NOT NULL,
            from_agency_id    text NOT NULL,
            to_agency_id      text NOT NULL,
            PRIMARY KEY (accompaniment_id, seq)
        );

        CREATE TABLE IF NOT EXISTS {schema}.appointments_held (
            accompaniment_id  uuid NOT NULL,
            appointment_id    uuid NOT NULL,
            held_on           date NOT NULL,
            PRIMARY KEY (accompaniment_id, appointment_id)
        );

        CREATE TABLE IF NOT EXISTS {schema}.engagement_contracts (
            accompaniment_id  uuid NOT NULL,
            seq               int  NOT NULL,
            signed_on         date NOT NULL,
            PRIMARY KEY (accompaniment_id, seq)
        );

        CREATE TABLE IF NOT EXISTS {schema}.suspensions (
            accompaniment_id  uuid NOT NULL,
            seq               int  NOT NULL,
            suspended_on      date NOT NULL,
            resumed_on        date,
            PRIMARY KEY (accompaniment_id, seq)
        );

        CREATE TABLE IF NOT EXISTS {schema}.renewals (
            accompaniment_id      uuid NOT NULL,
            seq                   int  NOT NULL,
            renewed_on            date NOT NULL,
            new_planned_end_date  date NOT NULL,
            PRIMARY KEY (accompaniment_id, seq)
        );

        CREATE TABLE IF NOT EXISTS {schema}.barriers (
            barrier_id        text PRIMARY KEY,
            accompaniment_id  uuid NOT NULL,
            seq               int  NOT NULL,
            category          text NOT NULL,
            identified_on     date NOT NULL,
            worked_on_from    date,
            lifted_on         date,
            not_lifted_on     date
        );
        CREATE INDEX IF NOT EXISTS barriers_accompaniment ON {schema}.barriers (accompaniment_id);
        COMMENT ON TABLE {schema}.barriers IS 'One row per identification of a barrier, even of a category met before.';

        CREATE TABLE IF NOT EXISTS {schema}.workshop_sessions (
            session_id    uuid   PRIMARY KEY,
            agency_id     text   NOT NULL,
            theme         text   NOT NULL,
            session_date  date   NOT NULL,
            capacity      int    NOT NULL,
            generation    bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS workshop_sessions_generation ON {schema}.workshop_sessions (generation);

        CREATE TABLE IF NOT EXISTS {schema}.workshop_participants (
            session_id        uuid NOT NULL,
            accompaniment_id  uuid NOT NULL,
            beneficiary_id    uuid NOT NULL,
            registered_on     date,
            attended          boolean,
            PRIMARY KEY (session_id, accompaniment_id)
        );

        CREATE TABLE IF NOT EXISTS {schema}.employers (
            employer_id     uuid    PRIMARY KEY,
            agency_id       text,
            sector          text    NOT NULL,
            size            text    NOT NULL,
            social_economy  boolean NOT NULL,
            siae            boolean NOT NULL,
            commune_code    text    NOT NULL,
            registered_on   date    NOT NULL,
            generation      bigint  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS employers_generation ON {schema}.employers (generation);

        CREATE TABLE IF NOT EXISTS {schema}.employer_contacts (
            employer_id   uuid NOT NULL,
            contact_id    uuid NOT NULL,
            agency_id     text NOT NULL,
            contact_date  date NOT NULL,
            PRIMARY KEY (employer_id, contact_id)
        );

        CREATE TABLE IF NOT EXISTS {schema}.needs (
            need_id           uuid   PRIMARY KEY,
            employer_id       uuid   NOT NULL,
            agency_id         text   NOT NULL,
            sector            text   NOT NULL,
            contract_type     text   NOT NULL,
            positions         int    NOT NULL,
            published_on      date   NOT NULL,
            filled_on         date,
            positions_filled  int,
            closed_on         date,
            closure_reason    text,
            generation        bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS needs_generation ON {schema}.needs (generation);
        COMMENT ON COLUMN {schema}.needs.filled_on IS 'As recorded; the indicators date a filling by the hire that took the last position.';

        CREATE TABLE IF NOT EXISTS {schema}.introductions (
            introduction_id  uuid   PRIMARY KEY,
            beneficiary_id   uuid   NOT NULL,
            need_id          uuid   NOT NULL,
            employer_id      uuid   NOT NULL,
            agency_id        text   NOT NULL,
            sector           text   NOT NULL,
            introduced_on    date   NOT NULL,
            outcome          text,
            decided_on       date,
            generation       bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS introductions_generation ON {schema}.introductions (generation);

        CREATE TABLE IF NOT EXISTS {schema}.hires (
            hire_id          uuid             PRIMARY KEY,
            introduction_id  uuid             NOT NULL,
            beneficiary_id   uuid             NOT NULL,
            need_id          uuid,
            employer_id      uuid             NOT NULL,
            agency_id        text             NOT NULL,
            contract_type    text             NOT NULL,
            duration_months  double precision,
            weekly_hours     double precision NOT NULL,
            sector           text             NOT NULL,
            start_date       date             NOT NULL,
            ended_early_on   date,
            generation       bigint           NOT NULL
        );
        CREATE INDEX IF NOT EXISTS hires_generation ON {schema}.hires (generation);

        CREATE TABLE IF NOT EXISTS {schema}.hire_check_ins (
            hire_id         uuid    NOT NULL,
            month           int     NOT NULL,
            checked_on      date    NOT NULL,
            still_employed  boolean NOT NULL,
            PRIMARY KEY (hire_id, month)
        );

        CREATE TABLE IF NOT EXISTS {schema}.immersions (
            immersion_id      uuid    PRIMARY KEY,
            beneficiary_id    uuid    NOT NULL,
            agency_id         text    NOT NULL,
            host_kind         text    NOT NULL,
            sector            text,
            start_date        date    NOT NULL,
            end_date          date    NOT NULL,
            days_of_presence  int     NOT NULL,
            renewed           boolean NOT NULL,
            completed_on      date,
            outcome           text,
            generation        bigint  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS immersions_generation ON {schema}.immersions (generation);

        CREATE TABLE IF NOT EXISTS {schema}.beneficiaries (
            beneficiary_id        uuid    PRIMARY KEY,
            agency_id             text    NOT NULL,
            commune_code          text    NOT NULL,
            age_band              text    NOT NULL,
            household_type        text    NOT NULL,
            orientation_date      date    NOT NULL,
            enrolled_on           date    NOT NULL,
            personal_data_erased  boolean NOT NULL,
            generation            bigint  NOT NULL
        );
        CREATE INDEX IF NOT EXISTS beneficiaries_generation ON {schema}.beneficiaries (generation);
        """,
    irreversible="the fact tables are not downgraded; drop the schema and let the workers refold them",
)
