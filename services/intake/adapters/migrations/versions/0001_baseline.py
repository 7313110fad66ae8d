"""Baseline: the tables the former `intake.sql` created at every start (idempotent: see shared/migrations)."""

# ruff: noqa: E501 - the former SQL script, verbatim
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        -- Intake's read model of beneficiaries. Identifying data lives only here, encrypted, never in events.
        -- (The former `people` table, with plaintext identities, is no longer used.)
        CREATE TABLE IF NOT EXISTS {schema}.persons (
            beneficiary_id    uuid        PRIMARY KEY,
            agency_id         text        NOT NULL,
            commune_code      text        NOT NULL,
            -- Non-identifying attributes, kept after an erasure for the statistics.
            age_band          text        NOT NULL,
            household_type    text        NOT NULL,
            children          integer     NOT NULL,
            orientation_date  date        NOT NULL,
            enrolled_on       date        NOT NULL,
            referral_source   text        NOT NULL,
            -- AES-256-GCM ciphertext of the identity under the person's data key (see person_keys); NULL once erased.
            identity          bytea,
            erased_on         date,
            version           integer     NOT NULL,
            created_at        timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS persons_by_agency ON {schema}.persons (agency_id, enrolled_on DESC, beneficiary_id);

        -- One data key per person, wrapped by the master key. Deleting the row is the erasure (crypto-shredding).
        CREATE TABLE IF NOT EXISTS {schema}.person_keys (
            beneficiary_id  uuid  PRIMARY KEY REFERENCES {schema}.persons (beneficiary_id),
            wrapped_key     bytea NOT NULL
        );

        -- Blind indexes of the de-duplication keys: HMAC-SHA256 digests, never the values. Deleted on erasure, so that
        -- a later referral of the same person creates a new beneficiary.
        CREATE TABLE IF NOT EXISTS {schema}.dedup_index (
            kind            text  NOT NULL CHECK (kind IN ('nir', 'allocataire', 'name_birth')),
            digest          bytea NOT NULL,
            beneficiary_id  uuid  NOT NULL REFERENCES {schema}.persons (beneficiary_id),
            PRIMARY KEY (kind, digest, beneficiary_id)
        );
        -- A NIR designates one person: never two holders. (Homonyms may share the weaker keys.)
        CREATE UNIQUE INDEX IF NOT EXISTS dedup_index_one_nir ON {schema}.dedup_index (digest) WHERE kind = 'nir';
        CREATE INDEX IF NOT EXISTS dedup_index_by_person ON {schema}.dedup_index (beneficiary_id);
        """,
)
