"""Read models for BI tools: views over reporting's fact tables, generated from the indicator definitions.

The exit groups, the *sorties dynamiques* and the headline groups come from `domain/definitions.py` and the
settings, never written out here; the rules the views apply (caseload on a date, agency on the day of a fact,
contract within one calendar month) are those of the same module, stated in SQL. The views read the facts
every replica shares, so there is nothing to copy, flush or delete.

The `bi` schema's tables follow versioned migrations (`adapters/migrations`); the views, derived from the code and
the department's settings, are created again at every start under the same schema lock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import asyncpg

from services.reporting.adapters.facts_migrations import FACTS
from services.reporting.adapters.migrations import MIGRATIONS
from services.reporting.domain import definitions as d
from shared.migrations import pool_connector, upgrade

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


VIEWS = (
    "agency_months",
    "hires",
    "needs",
    "employers",
    "workshop_sessions",
    "barriers",
    "exits",
    "accompaniments",
    "beneficiaries",
    "agency_periods",
    "exit_categories",
)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def views_sql(facts: str, bi: str, headline_groups: Sequence[str]) -> str:
    """The `bi` schema's views over the fact tables in schema `facts`."""
    for schema in (facts, bi):
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
    categories = ",\n        ".join(
        f"({_literal(c)}, {_literal(g)}, {str(g in d.SORTIES_DYNAMIQUES).lower()}, {str(g in headline_groups).lower()})"
        for c, g in sorted(d.EXIT_GROUP_OF.items())
    )
    months = d.CONTRACT_DEADLINE_MONTHS
    six = d.STILL_EMPLOYED_CHECK_IN_MONTH
    f = facts
    return f"""
CREATE SCHEMA IF NOT EXISTS {bi};
DROP VIEW IF EXISTS {", ".join(f"{bi}.{v}" for v in VIEWS)} CASCADE;

-- A text cell a spreadsheet would run as a formula is given with a leading quote (OWASP CSV injection), as the
-- platform's CSV exports do (shared/csv_safe.py): a BI tool exporting a view runs nothing.
CREATE OR REPLACE FUNCTION {bi}.neutralised(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN left(value, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || value ELSE value END;

CREATE OR REPLACE VIEW {bi}.exit_categories AS
SELECT * FROM (VALUES
        {categories}
    ) AS c(exit_category, exit_group, sortie_dynamique, headline);
COMMENT ON VIEW {bi}.exit_categories IS
    'Each exit category with its official group, whether it is a sortie dynamique and whether the '
    'headline rate counts it (department setting).';

CREATE OR REPLACE VIEW {bi}.agency_periods AS
WITH moves AS (
    SELECT accompaniment_id, start_date AS valid_from, agency_id, 0 AS seq FROM {f}.accompaniments
    UNION ALL
    SELECT accompaniment_id, transferred_on, to_agency_id, seq FROM {f}.accompaniment_transfers
)
SELECT accompaniment_id, {bi}.neutralised(agency_id) AS agency_id, valid_from,
       lead(valid_from) OVER (PARTITION BY accompaniment_id ORDER BY valid_from, seq) AS valid_until
FROM moves;
COMMENT ON VIEW {bi}.agency_periods IS
    'Which agency follows each accompaniment from valid_from until valid_until (exclusive): a fact counts'
    ' at the agency of its day.';

CREATE OR REPLACE VIEW {bi}.beneficiaries AS
SELECT beneficiary_id, {bi}.neutralised(agency_id) AS agency_id, {bi}.neutralised(commune_code) AS commune_code,
       {bi}.neutralised(age_band) AS age_band, {bi}.neutralised(household_type) AS household_type, orientation_date,
       enrolled_on, personal_data_erased
FROM {f}.beneficiaries;
COMMENT ON VIEW {bi}.beneficiaries IS
    'One row per enrolled person: pseudonymous id and non-identifying attributes only.';

CREATE OR REPLACE VIEW {bi}.accompaniments AS
SELECT a.accompaniment_id, a.beneficiary_id,
       {bi}.neutralised(coalesce((SELECT t.to_agency_id FROM {f}.accompaniment_transfers t
                                  WHERE t.accompaniment_id = a.accompaniment_id
                                  ORDER BY t.transferred_on DESC, t.seq DESC LIMIT 1), a.agency_id)) AS agency_id,
       {bi}.neutralised(a.agency_id) AS opening_agency_id, a.orientation_date, a.start_date,
       coalesce((SELECT r.new_planned_end_date FROM {f}.renewals r WHERE r.accompaniment_id = a.accompaniment_id
                 ORDER BY r.renewed_on DESC, r.seq DESC LIMIT 1), a.planned_end_date) AS planned_end_date,
       CASE WHEN a.closed_on IS NULL THEN 'open' ELSE 'closed' END AS status,
       a.closed_on, {bi}.neutralised(a.exit_category) AS exit_category, c.exit_group,
       a.closed_on - a.start_date AS duration_days,
       (SELECT count(*) FROM {f}.renewals r WHERE r.accompaniment_id = a.accompaniment_id) AS renewals,
       (SELECT count(*) FROM {f}.suspensions s WHERE s.accompaniment_id = a.accompaniment_id) AS suspensions,
       (SELECT count(*) FROM {f}.accompaniment_transfers t WHERE t.accompaniment_id = a.accompaniment_id) AS transfers,
       fa.first_appointment_on, fa.first_appointment_on - a.orientation_date AS first_appointment_delay_days,
       ct.contract_signed_on,
       ct.contract_signed_on <= (a.orientation_date + interval '{months} month')::date AS contract_in_time
FROM {f}.accompaniments a
LEFT JOIN {bi}.exit_categories c ON c.exit_category = a.exit_category
LEFT JOIN LATERAL (SELECT min(h.held_on) AS first_appointment_on FROM {f}.appointments_held h
                   WHERE h.accompaniment_id = a.accompaniment_id) fa ON true
LEFT JOIN LATERAL (SELECT min(e.signed_on) AS contract_signed_on FROM {f}.engagement_contracts e
                   WHERE e.accompaniment_id = a.accompaniment_id) ct ON true;
COMMENT ON VIEW {bi}.accompaniments IS
    'One row per accompaniment: its current agency, dates, exit, the earliest appointment held and the '
    'first contract (in time: within one calendar month of the orientation).';

CREATE OR REPLACE VIEW {bi}.exits AS
SELECT a.accompaniment_id, a.beneficiary_id, p.agency_id, a.closed_on,
       {bi}.neutralised(a.exit_category) AS exit_category, c.exit_group,
       a.closed_on - a.start_date AS duration_days, c.sortie_dynamique, c.headline
FROM {f}.accompaniments a
JOIN {bi}.exit_categories c ON c.exit_category = a.exit_category
JOIN {bi}.agency_periods p ON p.accompaniment_id = a.accompaniment_id AND p.valid_from <= a.closed_on
     AND (p.valid_until IS NULL OR p.valid_until > a.closed_on)
WHERE a.closed_on IS NOT NULL;
COMMENT ON VIEW {bi}.exits IS
    'One row per exit at the agency following the person on the closure day, with its official group.';

CREATE OR REPLACE VIEW {bi}.barriers AS
SELECT {bi}.neutralised(b.barrier_id) AS barrier_id, b.accompaniment_id,
       coalesce(p.agency_id, {bi}.neutralised(a.agency_id)) AS agency_id, {bi}.neutralised(b.category) AS category,
       CASE WHEN b.lifted_on IS NOT NULL THEN 'lifted' WHEN b.not_lifted_on IS NOT NULL THEN 'not_lifted'
            WHEN b.worked_on_from IS NOT NULL THEN 'worked_on' ELSE 'identified' END AS status,
       b.identified_on, b.worked_on_from, b.lifted_on, b.not_lifted_on
FROM {f}.barriers b
JOIN {f}.accompaniments a ON a.accompaniment_id = b.accompaniment_id
LEFT JOIN {bi}.agency_periods p ON p.accompaniment_id = b.accompaniment_id AND p.valid_from <= b.identified_on
     AND (p.valid_until IS NULL OR p.valid_until > b.identified_on);
COMMENT ON VIEW {bi}.barriers IS
    'One row per identification of a barrier (a category met again is another row), at the agency of the '
    'identification day.';

CREATE OR REPLACE VIEW {bi}.workshop_sessions AS
SELECT s.session_id, {bi}.neutralised(s.agency_id) AS agency_id, {bi}.neutralised(s.theme) AS theme, s.session_date,
       s.capacity,
       count(*) FILTER (WHERE w.registered_on IS NOT NULL) AS registrations,
       count(*) FILTER (WHERE w.attended) AS attendance
FROM {f}.workshop_sessions s
LEFT JOIN {f}.workshop_participants w ON w.session_id = s.session_id
GROUP BY s.session_id;
COMMENT ON VIEW {bi}.workshop_sessions IS 'One row per collective workshop session.';

CREATE OR REPLACE VIEW {bi}.employers AS
SELECT e.employer_id, {bi}.neutralised(e.agency_id) AS agency_id, {bi}.neutralised(e.sector) AS sector,
       {bi}.neutralised(e.size) AS size, e.social_economy, e.siae, {bi}.neutralised(e.commune_code) AS commune_code,
       e.registered_on,
       (SELECT count(*) FROM {f}.employer_contacts c WHERE c.employer_id = e.employer_id) AS contacts
FROM {f}.employers e;
COMMENT ON VIEW {bi}.employers IS 'One row per employer of the network.';

CREATE OR REPLACE VIEW {bi}.needs AS
SELECT need_id, employer_id, {bi}.neutralised(agency_id) AS agency_id, {bi}.neutralised(sector) AS sector,
       {bi}.neutralised(contract_type) AS contract_type, positions, published_on, filled_on, positions_filled,
       closed_on, {bi}.neutralised(closure_reason) AS closure_reason
FROM {f}.needs;
COMMENT ON VIEW {bi}.needs IS
    'One row per field need (filled_on as recorded; the indicators date a filling by its hire).';

CREATE OR REPLACE VIEW {bi}.hires AS
SELECT h.hire_id, h.beneficiary_id, {bi}.neutralised(h.agency_id) AS agency_id, h.employer_id, h.need_id,
       {bi}.neutralised(h.contract_type) AS contract_type, h.duration_months, h.weekly_hours,
       {bi}.neutralised(h.sector) AS sector, h.start_date, h.ended_early_on,
       c.still_employed AS still_employed_at_6_months
FROM {f}.hires h
LEFT JOIN {f}.hire_check_ins c ON c.hire_id = h.hire_id AND c.month = {six};
COMMENT ON VIEW {bi}.hires IS 'One row per hire after an introduction, with the 6-month follow-up.';

CREATE OR REPLACE VIEW {bi}.agency_months AS
WITH months AS (
    SELECT generate_series(date_trunc('month', min(start_date)), date_trunc('month', current_date), '1 month')::date
           AS month
    FROM {f}.accompaniments
), month_ends AS (
    SELECT month, (month + interval '1 month' - interval '1 day')::date AS last_day FROM months
), entries AS (
    SELECT p.agency_id, date_trunc('month', a.start_date)::date AS month, count(*) AS n
    FROM {f}.accompaniments a
    JOIN {bi}.agency_periods p ON p.accompaniment_id = a.accompaniment_id AND p.valid_from <= a.start_date
         AND (p.valid_until IS NULL OR p.valid_until > a.start_date)
    GROUP BY 1, 2
), exits AS (
    SELECT agency_id, date_trunc('month', closed_on)::date AS month, count(*) AS n,
           count(*) FILTER (WHERE sortie_dynamique) AS dynamiques
    FROM {bi}.exits GROUP BY 1, 2
), caseload AS (
    SELECT p.agency_id, m.month, count(*) AS n
    FROM month_ends m
    JOIN {f}.accompaniments a ON a.start_date <= m.last_day AND (a.closed_on IS NULL OR a.closed_on > m.last_day)
    JOIN {bi}.agency_periods p ON p.accompaniment_id = a.accompaniment_id AND p.valid_from <= m.last_day
         AND (p.valid_until IS NULL OR p.valid_until > m.last_day)
    GROUP BY 1, 2
), keys AS (
    SELECT agency_id, month FROM entries UNION SELECT agency_id, month FROM exits
    UNION SELECT agency_id, month FROM caseload
)
SELECT k.agency_id, k.month, coalesce(e.n, 0) AS entries, coalesce(x.n, 0) AS exits,
       coalesce(x.dynamiques, 0) AS sorties_dynamiques, coalesce(c.n, 0) AS caseload_end_of_month
FROM keys k
LEFT JOIN entries e USING (agency_id, month)
LEFT JOIN exits x USING (agency_id, month)
LEFT JOIN caseload c USING (agency_id, month);
COMMENT ON VIEW {bi}.agency_months IS
    'One row per agency and month: entries, exits and sorties dynamiques at the agency of their day, '
    'caseload at the month''s end.';
"""


async def create_views(
    conn: asyncpg.Connection, facts: str, bi: str, headline_groups: Sequence[str], reader_role: str = ""
) -> None:
    """Create the BI views again and let the BI tools' role read them, in one transaction under the `bi` schema's
    migration lock: replicas starting together take turns (their grants, outside the lock, deadlocked)."""
    if reader_role and not _SCHEMA_NAME.match(reader_role):
        raise ValueError(f"invalid role name {reader_role!r}")
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"ali-migrate-{bi}")
        await conn.execute(views_sql(facts, bi, headline_groups))
        if reader_role:
            # The BI tools' role reads the views (which read the facts with their owner's rights), nothing else.
            await conn.execute(
                f"GRANT USAGE ON SCHEMA {bi} TO {reader_role};"
                f" GRANT SELECT ON ALL TABLES IN SCHEMA {bi} TO {reader_role};"
                f" ALTER DEFAULT PRIVILEGES IN SCHEMA {bi} GRANT SELECT ON TABLES TO {reader_role}"
            )


async def migrate(
    pool: asyncpg.Pool, facts: str, bi: str, headline_groups: Sequence[str], reader_role: str = ""
) -> None:
    """Bring the fact tables and the `bi` schema to their latest revisions, make the views, let BI tools read them."""
    if reader_role and not _SCHEMA_NAME.match(reader_role):
        raise ValueError(f"invalid role name {reader_role!r}")
    await upgrade(pool_connector(pool), facts, FACTS)
    await upgrade(pool_connector(pool), bi, MIGRATIONS)
    async with pool.acquire() as conn:
        await create_views(conn, facts, bi, headline_groups, reader_role)
