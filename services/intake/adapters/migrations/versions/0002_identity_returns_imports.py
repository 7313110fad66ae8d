"""Names in every script, returns after a closed accompaniment, mapping profiles and import reports.

Idempotent, like the script it replaces (`intake_002_identity_returns_imports.sql`, run at every start by the release
that introduced it): a database where that script already ran is recorded at this revision unchanged.
"""

# ruff: noqa: E501 - the former SQL script, verbatim
from shared.migrations import Block, sql_revision

revision = "0002"
down_revision = "0001"
upgrade, downgrade = sql_revision(
    Block("""
        -- Names in every script, returns after a closed accompaniment, mapping profiles and import reports.

        -- The name key of the first version kept only ASCII letters ('name_birth'); it is replaced by the NFKC key and a
        -- weaker transliterated one. Persons indexed with the old key are re-indexed when intake starts (their identity
        -- is decrypted, the new keys computed, the old entries deleted): see adapters/name_index.py.
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'dedup_index_kind_check'
                       AND conrelid = '{schema}.dedup_index'::regclass
                       AND pg_get_constraintdef(oid) NOT LIKE '%name_birth_latin%') THEN
                ALTER TABLE {schema}.dedup_index DROP CONSTRAINT dedup_index_kind_check;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'dedup_index_kind_check'
                           AND conrelid = '{schema}.dedup_index'::regclass) THEN
                ALTER TABLE {schema}.dedup_index ADD CONSTRAINT dedup_index_kind_check
                    CHECK (kind IN ('nir', 'allocataire', 'name_birth', 'name_birth_nfkc', 'name_birth_latin'));
            END IF;
        END $$
        """),
    """
        -- 1: indexed with the ASCII-only name key; 2: the NFKC and Latin keys. New persons are written at 2.
        ALTER TABLE {schema}.persons ADD COLUMN IF NOT EXISTS name_index_version integer NOT NULL DEFAULT 1;
        CREATE INDEX IF NOT EXISTS persons_to_reindex ON {schema}.persons (beneficiary_id) WHERE name_index_version < 2;

        -- What intake knows of accompaniments, from accompaniment's events: the one opened by the latest enrolment of a
        -- person, once closed, makes their next referral a return. `enrolment_event_id` is the opening's causation id.
        CREATE TABLE IF NOT EXISTS {schema}.accompaniments (
            accompaniment_id    uuid  PRIMARY KEY,
            beneficiary_id      uuid  NOT NULL,
            enrolment_event_id  uuid,
            opened_on           date,
            closed_on           date
        );
        CREATE INDEX IF NOT EXISTS accompaniments_by_enrolment ON {schema}.accompaniments (enrolment_event_id);
        CREATE INDEX IF NOT EXISTS accompaniments_by_beneficiary ON {schema}.accompaniments (beneficiary_id);

        -- People created while a known person's name agreed only once transliterated: for a caseworker to check.
        CREATE TABLE IF NOT EXISTS {schema}.possible_duplicates (
            beneficiary_id  uuid  NOT NULL,
            candidate_id    uuid  NOT NULL,
            found_on        date  NOT NULL,
            PRIMARY KEY (beneficiary_id, candidate_id)
        );
        CREATE INDEX IF NOT EXISTS possible_duplicates_by_candidate ON {schema}.possible_duplicates (candidate_id);

        -- Mapping profiles saved by an admin (the shipped ones are files).
        CREATE TABLE IF NOT EXISTS {schema}.mapping_profiles (
            name        text        PRIMARY KEY,
            profile     jsonb       NOT NULL,
            version     integer     NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now()
        );

        -- Import reports, downloadable as CSV or XLSX (line numbers, statuses, ids and reasons; no identity).
        CREATE TABLE IF NOT EXISTS {schema}.import_reports (
            import_id   uuid        PRIMARY KEY,
            created_at  timestamptz NOT NULL DEFAULT now(),
            report      jsonb       NOT NULL
        );
        """,
    downgrade="""
        DROP TABLE IF EXISTS {schema}.import_reports;
        DROP TABLE IF EXISTS {schema}.mapping_profiles;
        DROP TABLE IF EXISTS {schema}.possible_duplicates;
        DROP TABLE IF EXISTS {schema}.accompaniments;
        DROP INDEX IF EXISTS {schema}.persons_to_reindex;
        ALTER TABLE {schema}.persons DROP COLUMN IF EXISTS name_index_version;
        """,
)
