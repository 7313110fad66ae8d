"""A person's introductions and immersions found together (they move with the person to another agency)."""

from shared.migrations import sql_revision

revision = "0002"
down_revision = "0001"
upgrade, downgrade = sql_revision(
    """
        CREATE INDEX IF NOT EXISTS introductions_beneficiary ON {schema}.introductions (beneficiary_id);
        CREATE INDEX IF NOT EXISTS immersions_beneficiary ON {schema}.immersions (beneficiary_id);
        """,
    downgrade="""
        DROP INDEX IF EXISTS {schema}.immersions_beneficiary;
        DROP INDEX IF EXISTS {schema}.introductions_beneficiary;
        """,
)
