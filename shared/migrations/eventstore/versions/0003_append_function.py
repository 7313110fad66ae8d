"""Appends in one round trip: lock, version check and insert run server-side.

The commit-order lock (see shared/eventstore.py) is taken by the function and held until the caller's transaction
ends; doing the version check and the insert in the same call keeps the time the lock is held to one round trip and
the commit. A conflict inserts nothing and returns one row naming the stream, its version and the version expected.
"""

from shared.migrations import Block, sql_revision

revision = "0003"
down_revision = "0002"
upgrade, downgrade = sql_revision(
    Block("""
        CREATE OR REPLACE FUNCTION {schema}.append_events(
            p_streams text[], p_expected integer[],
            p_event_ids uuid[], p_stream_ids text[], p_versions integer[], p_partition_keys text[], p_types text[],
            p_schema_versions integer[], p_dataschemas text[], p_sources text[], p_subjects text[],
            p_correlation_ids uuid[], p_causation_ids uuid[], p_recorded_at timestamptz[], p_data jsonb[])
        RETURNS TABLE (stream_id text, version integer, "position" bigint, expected integer)
        LANGUAGE plpgsql VOLATILE AS $fn$
        #variable_conflict use_column
        DECLARE
            conflict record;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('ali-append-{schema}'));
            SELECT s.sid, s.exp, coalesce(v.actual, 0) AS actual INTO conflict
              FROM unnest(p_streams, p_expected) AS s(sid, exp)
              LEFT JOIN LATERAL (SELECT max(e.version) AS actual FROM {schema}.events e WHERE e.stream_id = s.sid) v
                ON true
             WHERE coalesce(v.actual, 0) <> s.exp
             LIMIT 1;
            IF FOUND THEN
                RETURN QUERY SELECT conflict.sid, conflict.actual::integer, NULL::bigint, conflict.exp;
                RETURN;
            END IF;
            RETURN QUERY
            INSERT INTO {schema}.events AS ev (position, event_id, stream_id, version, partition_key, type,
                                               schema_version, dataschema, source, subject, correlation_id,
                                               causation_id, recorded_at, data)
            SELECT nextval('{schema}.events_position_seq'), u.*
              FROM unnest(p_event_ids, p_stream_ids, p_versions, p_partition_keys, p_types, p_schema_versions,
                          p_dataschemas, p_sources, p_subjects, p_correlation_ids, p_causation_ids, p_recorded_at,
                          p_data) AS u
            RETURNING ev.stream_id, ev.version, ev.position, NULL::integer;
            PERFORM pg_notify('{schema}_events', '');
        END
        $fn$
        """),
    downgrade="DROP FUNCTION {schema}.append_events",
)
