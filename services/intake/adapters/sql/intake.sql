-- Identifying data lives only here, never in events.
CREATE TABLE IF NOT EXISTS {schema}.people (
    beneficiary_id   uuid        PRIMARY KEY,
    agency_id        text        NOT NULL,
    -- De-duplication keys, in the order they are tried: NIR, allocataire number x role, name x birth date.
    nir              text        UNIQUE,
    allocataire_key  text        UNIQUE,
    name_key         text        NOT NULL UNIQUE,
    identity         jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
