"""The JSON fact table goes: the `bi` views read reporting's typed fact tables (generated at start-up).

The views are derived objects: reporting re-creates them at every start, under this schema's migration lock, from the
indicator definitions and the department's headline groups (`services/reporting/adapters/bi.py`).
"""

from shared.migrations import sql_revision

revision = "0002"
down_revision = "0001"
upgrade, downgrade = sql_revision(
    "DROP TABLE IF EXISTS {schema}.facts CASCADE",
    irreversible="the JSON fact table is not restored",
)
