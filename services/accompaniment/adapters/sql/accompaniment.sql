-- Read model of accompaniments, written in the same transaction as their events.
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
CREATE INDEX IF NOT EXISTS accompaniments_beneficiary ON {schema}.accompaniments (beneficiary_id);
CREATE INDEX IF NOT EXISTS accompaniments_agency ON {schema}.accompaniments (agency_id, status);
