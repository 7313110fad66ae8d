"""Workshop titles leave the read model: they are kept encrypted in private_texts (events v2)."""

# ruff: noqa: E501 - SQL with its comments
from shared.migrations import sql_revision

revision = "0003"
down_revision = "0002"
upgrade, downgrade = sql_revision(
    """
        -- Free text left the read models with the events' version 2: workshop titles are kept encrypted in
        -- private_texts (shared/migrations/private_texts), under the reference text_ref(session_id, 'title').
        ALTER TABLE {schema}.workshop_sessions DROP COLUMN IF EXISTS title;
        """,
)
