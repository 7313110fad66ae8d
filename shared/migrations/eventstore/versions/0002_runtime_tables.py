"""Events the relay parked, and consumed events parked until a prerequisite arrives."""

from shared.migrations import sql_revision

revision = "0002"
down_revision = "0001"
upgrade, downgrade = sql_revision(
    """
        -- Events the outbox relay could not publish (the broker refused the record itself, e.g. too large): kept
        -- with the error and skipped, so the relay goes on; retried on demand (`python -m services.<name> relay`).
        CREATE TABLE {schema}.relay_parked (
            relay            text        NOT NULL,
            position         bigint      NOT NULL,
            event_id         uuid        NOT NULL,
            error_type       text        NOT NULL,
            error            text        NOT NULL,
            attempts         integer     NOT NULL DEFAULT 1,
            parked_at        timestamptz NOT NULL DEFAULT now(),
            last_attempt_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (relay, position)
        );

        -- Consumed events whose handler found a prerequisite missing (`Parked(key, reason)`): applied again when an
        -- event declares the key satisfied. The event counts as processed: only this replay applies it.
        CREATE TABLE {schema}.parked_events (
            consumer   text        NOT NULL,
            event_id   uuid        NOT NULL,
            park_key   text        NOT NULL,
            reason     text        NOT NULL,
            envelope   jsonb       NOT NULL,
            topic      text,
            partition  integer,
            "offset"   bigint,
            attempts   integer     NOT NULL DEFAULT 1,
            parked_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, event_id)
        );
        CREATE INDEX parked_events_by_key ON {schema}.parked_events (park_key);
        """,
    downgrade="DROP TABLE {schema}.parked_events; DROP TABLE {schema}.relay_parked;",
)
