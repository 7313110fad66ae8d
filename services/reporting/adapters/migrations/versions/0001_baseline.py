"""Baseline: the tables the former `bi.sql` created at every start (idempotent: see shared/migrations)."""

# ruff: noqa: E501 - the former SQL script, verbatim
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        -- Read models for BI tools (Metabase, Superset, Power BI): plain SQL over pseudonymous facts.
        -- Kept current by the reporting service; rebuilt by `python -m services.reporting rebuild`.
        CREATE SCHEMA IF NOT EXISTS {schema};

        CREATE TABLE IF NOT EXISTS {schema}.facts (
            key         text        PRIMARY KEY,
            kind        text        NOT NULL,
            data        jsonb       NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS facts_kind ON {schema}.facts (kind);
        COMMENT ON TABLE {schema}.facts IS 'Every fact row of the reporting projection, as JSON; the views below type them.';

        CREATE OR REPLACE VIEW {schema}.beneficiaries AS
        SELECT (data->>'beneficiary_id')::uuid AS beneficiary_id, data->>'agency_id' AS agency_id,
               data->>'commune_code' AS commune_code, data->>'age_band' AS age_band,
               data->>'household_type' AS household_type, (data->>'orientation_date')::date AS orientation_date,
               (data->>'enrolled_on')::date AS enrolled_on, (data->>'personal_data_erased')::boolean AS personal_data_erased
        FROM {schema}.facts WHERE kind = 'beneficiary';
        COMMENT ON VIEW {schema}.beneficiaries IS 'One row per enrolled person: pseudonymous id and non-identifying attributes only.';

        CREATE OR REPLACE VIEW {schema}.accompaniments AS
        SELECT (data->>'accompaniment_id')::uuid AS accompaniment_id, (data->>'beneficiary_id')::uuid AS beneficiary_id,
               data->>'agency_id' AS agency_id, (data->>'orientation_date')::date AS orientation_date,
               (data->>'start_date')::date AS start_date, (data->>'planned_end_date')::date AS planned_end_date,
               CASE WHEN data->>'closed_on' IS NULL THEN 'open' ELSE 'closed' END AS status,
               (data->>'closed_on')::date AS closed_on, data->>'exit_category' AS exit_category,
               data->>'exit_group' AS exit_group,
               (data->>'closed_on')::date - (data->>'start_date')::date AS duration_days,
               jsonb_array_length(coalesce(data->'renewals', '[]')) AS renewals,
               jsonb_array_length(coalesce(data->'suspensions', '[]')) AS suspensions,
               (data->>'first_appointment_delay_days')::int AS first_appointment_delay_days,
               (data->>'contract_signed_on')::date AS contract_signed_on, (data->>'contract_in_time')::boolean AS contract_in_time
        FROM {schema}.facts WHERE kind = 'accompaniment';
        COMMENT ON VIEW {schema}.accompaniments IS 'One row per accompaniment (current agency; transfers are in facts.data->agency_history).';

        CREATE OR REPLACE VIEW {schema}.exits AS
        SELECT accompaniment_id, beneficiary_id, agency_id, closed_on, exit_category, exit_group, duration_days,
               exit_group IN ('emploi_durable', 'emploi_transition', 'sortie_positive') AS sortie_dynamique
        FROM {schema}.accompaniments WHERE status = 'closed';
        COMMENT ON VIEW {schema}.exits IS 'One row per exit, with its official group.';

        CREATE OR REPLACE VIEW {schema}.barriers AS
        SELECT data->>'barrier_id' AS barrier_id, (data->>'accompaniment_id')::uuid AS accompaniment_id,
               data->>'agency_id' AS agency_id, data->>'category' AS category, data->>'status' AS status,
               (data->>'identified_on')::date AS identified_on, (data->>'lifted_on')::date AS lifted_on
        FROM {schema}.facts WHERE kind = 'barrier';
        COMMENT ON VIEW {schema}.barriers IS 'One row per barrier (frein) identified in a diagnosis.';

        CREATE OR REPLACE VIEW {schema}.workshop_sessions AS
        SELECT data->>'session_id' AS session_id, data->>'agency_id' AS agency_id, data->>'theme' AS theme,
               (data->>'date')::date AS date, (data->>'capacity')::int AS capacity,
               (data->>'registrations')::int AS registrations, (data->>'attendance')::int AS attendance
        FROM {schema}.facts WHERE kind = 'workshop_session';
        COMMENT ON VIEW {schema}.workshop_sessions IS 'One row per collective workshop session.';

        CREATE OR REPLACE VIEW {schema}.employers AS
        SELECT (data->>'employer_id')::uuid AS employer_id, data->>'agency_id' AS agency_id, data->>'sector' AS sector,
               data->>'size' AS size, (data->>'social_economy')::boolean AS social_economy, (data->>'siae')::boolean AS siae,
               data->>'commune_code' AS commune_code, (data->>'registered_on')::date AS registered_on,
               jsonb_array_length(coalesce(data->'contacts', '[]')) AS contacts
        FROM {schema}.facts WHERE kind = 'employer';
        COMMENT ON VIEW {schema}.employers IS 'One row per employer of the network.';

        CREATE OR REPLACE VIEW {schema}.hires AS
        SELECT data->>'hire_id' AS hire_id, (data->>'beneficiary_id')::uuid AS beneficiary_id, data->>'agency_id' AS agency_id,
               (data->>'employer_id')::uuid AS employer_id, data->>'contract_type' AS contract_type,
               (data->>'duration_months')::numeric AS duration_months, (data->>'weekly_hours')::numeric AS weekly_hours,
               data->>'sector' AS sector, (data->>'start_date')::date AS start_date,
               (data->>'ended_early_on')::date AS ended_early_on,
               (data->'check_ins'->'6'->>'still_employed')::boolean AS still_employed_at_6_months
        FROM {schema}.facts WHERE kind = 'hire';
        COMMENT ON VIEW {schema}.hires IS 'One row per hire after an introduction, with the 6-month follow-up.';

        CREATE OR REPLACE VIEW {schema}.agency_months AS
        WITH months AS (
            SELECT generate_series(date_trunc('month', min(start_date)), date_trunc('month', current_date), '1 month')::date
                   AS month
            FROM {schema}.accompaniments
        ), agencies AS (SELECT DISTINCT agency_id FROM {schema}.accompaniments)
        SELECT a.agency_id, m.month,
               count(*) FILTER (WHERE date_trunc('month', x.start_date) = m.month) AS entries,
               count(*) FILTER (WHERE date_trunc('month', x.closed_on) = m.month) AS exits,
               count(*) FILTER (WHERE date_trunc('month', x.closed_on) = m.month
                                AND x.exit_group IN ('emploi_durable', 'emploi_transition', 'sortie_positive'))
                   AS sorties_dynamiques,
               count(*) FILTER (WHERE x.start_date < (m.month + interval '1 month')
                                AND (x.closed_on IS NULL OR x.closed_on >= (m.month + interval '1 month'))) AS caseload_end_of_month
        FROM months m CROSS JOIN agencies a
        LEFT JOIN {schema}.accompaniments x ON x.agency_id = a.agency_id
        GROUP BY a.agency_id, m.month;
        COMMENT ON VIEW {schema}.agency_months IS 'One row per agency and month: entries, exits, sorties dynamiques, caseload at month end (current agency of each accompaniment).';
        """,
)
