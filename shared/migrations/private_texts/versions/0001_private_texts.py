"""Free text that may carry personal data, encrypted per owner (shared/private_text.py)."""

# ruff: noqa: E501 - SQL with its comments
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        -- Free text that may carry personal data, encrypted per owner (see shared/private_text.py). Never in events.

        -- One data key per owner ('person:<uuid>', 'contact:<uuid>', 'employer:<uuid>', 'workshop:<uuid>'), wrapped by the
        -- service's master key. Erasure sets wrapped_key to NULL and keeps the row as a tombstone, so that nothing new
        -- is ever encrypted again for an erased owner.
        CREATE TABLE IF NOT EXISTS {schema}.private_keys (
            owner        text        PRIMARY KEY,
            wrapped_key  bytea,
            erased_on    date,
            created_at   timestamptz NOT NULL DEFAULT now(),
            CHECK ((wrapped_key IS NULL) = (erased_on IS NOT NULL))
        );

        -- Each text under its reference (the uuid events carry), AES-256-GCM under its owner's data key; NULL once erased.
        CREATE TABLE IF NOT EXISTS {schema}.private_texts (
            ref          uuid        PRIMARY KEY,
            owner        text        NOT NULL REFERENCES {schema}.private_keys (owner),
            sealed       bytea,
            recorded_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS private_texts_owner ON {schema}.private_texts (owner);
        """,
)
