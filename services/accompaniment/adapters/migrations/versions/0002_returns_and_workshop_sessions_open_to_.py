"""Returns after a closed accompaniment, and workshop sessions open to the department."""

from shared.migrations import sql_revision

revision = "0002"
down_revision = "0001"
upgrade, downgrade = sql_revision(
    """
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS is_return boolean NOT NULL DEFAULT false;
        ALTER TABLE {schema}.accompaniments ADD COLUMN IF NOT EXISTS previous_accompaniment_id uuid;
        ALTER TABLE {schema}.workshop_sessions
            ADD COLUMN IF NOT EXISTS open_to_department boolean NOT NULL DEFAULT false;
        """,
    downgrade="""
        ALTER TABLE {schema}.workshop_sessions DROP COLUMN IF EXISTS open_to_department;
        ALTER TABLE {schema}.accompaniments DROP COLUMN IF EXISTS previous_accompaniment_id;
        ALTER TABLE {schema}.accompaniments DROP COLUMN IF EXISTS is_return;
        """,
)
