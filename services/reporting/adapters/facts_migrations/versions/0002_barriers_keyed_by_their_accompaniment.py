"""A barrier's row is keyed by its accompaniment and its id, not by its id alone.

A barrier's id is chosen by the client that identifies it (`POST .../barriers` takes one): two accompaniments may
name the same id. Keyed by the id alone, the second one's row replaced the first one's, and a batch changing both
failed (`ON CONFLICT DO UPDATE command cannot affect row a second time`), stopping the projection. Facts folded
before this revision may hold such a replaced row: `ALI_REPORTING_PROJECTION_VERSION` bumped refolds them from the
topics.
"""

from shared.migrations import sql_revision

revision = "0002"
down_revision = "0001"
upgrade, downgrade = sql_revision(
    """
        ALTER TABLE {schema}.barriers DROP CONSTRAINT barriers_pkey;
        ALTER TABLE {schema}.barriers ADD PRIMARY KEY (accompaniment_id, barrier_id);
        DROP INDEX IF EXISTS {schema}.barriers_accompaniment;
    """,
    irreversible="the fact tables are not downgraded; drop the schema and let the workers refold them",
)
