"""Baseline: the tables the former `eventstore.sql` created at every start (idempotent: see shared/migrations)."""

# ruff: noqa: E501 - the former SQL script, verbatim
from shared.migrations import sql_revision

revision = "0001"
down_revision = None
upgrade, downgrade = sql_revision(
    """
        CREATE SCHEMA IF NOT EXISTS {schema};

        CREATE SEQUENCE IF NOT EXISTS {schema}.events_position_seq;

        CREATE TABLE IF NOT EXISTS {schema}.events (
            position        bigint      PRIMARY KEY,
            event_id        uuid        NOT NULL UNIQUE,
            stream_id       text        NOT NULL,
            version         integer     NOT NULL CHECK (version > 0),
            partition_key   text        NOT NULL,
            type            text        NOT NULL,
            schema_version  integer     NOT NULL,
            dataschema      text        NOT NULL,
            source          text        NOT NULL,
            subject         text,
            correlation_id  uuid        NOT NULL,
            causation_id    uuid,
            recorded_at     timestamptz NOT NULL,
            data            jsonb       NOT NULL,
            -- Optimistic concurrency: two appends at the same expected version cannot both commit.
            UNIQUE (stream_id, version)
        );

        -- Outbox relay checkpoints: the last position published to Kafka, per relay.
        CREATE TABLE IF NOT EXISTS {schema}.relay_checkpoints (
            relay       text        PRIMARY KEY,
            position    bigint      NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now()
        );

        -- Idempotent consumers: an event's effect is recorded here in the same transaction as the effect.
        CREATE TABLE IF NOT EXISTS {schema}.processed_events (
            consumer      text        NOT NULL,
            event_id      uuid        NOT NULL,
            processed_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, event_id)
        );
        """,
)
