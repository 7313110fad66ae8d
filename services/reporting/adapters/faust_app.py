"""The faust-streaming application of reporting: agents folding the three domains' topics into one table."""

from __future__ import annotations

import time

import faust
import structlog

from services.reporting.domain import projection as facts
from services.reporting.settings import ReportingSettings
from shared.envelope import Envelope
from shared.errors import EnvelopeError
from shared.kafka import faust_broker_settings

log = structlog.get_logger(__name__)

CONTEXTS = ("intake", "accompaniment", "placement")


class ReportingStreams:
    """The faust app, its `facts` table and one agent per source topic, built for one set of settings."""

    def __init__(self, settings: ReportingSettings) -> None:
        self.settings = settings
        self.app = faust.App(
            settings.group(f"reporting.v{settings.reporting_projection_version}"),
            # Brokers and this service's principal (SASL_SSL), from the one place every Kafka client takes them.
            **faust_broker_settings(settings),
            store="memory://",
            # Started inside FastAPI's lifespan on uvicorn's loop; faust's own web server is not used.
            web_enabled=False,
            topic_partitions=settings.topic_partitions,
            topic_replication_factor=settings.topic_replication_factor,
            topic_allow_declare=True,
            consumer_auto_offset_reset="earliest",
        )
        self.dlq = self.app.topic(settings.topic("reporting.dlq"), key_serializer="raw", value_serializer="raw")
        # One row per counted thing, keyed "<kind>:<id>". A row is owned by one stream, and every stream's
        # events share a partition, so its changelog partition is stable. Keys and values use faust's default
        # JSON serializer (a `value_type` other than a faust Record breaks changelog recovery).
        self.facts = self.app.Table("facts", default=None, partitions=settings.topic_partitions)
        self.processed = 0
        self.dead_lettered = 0
        self.changes = 0
        self.dirty: set[str] = set()
        self.last_event_at: float | None = None
        self.agents = []
        for context in CONTEXTS:
            topic = self.app.topic(
                settings.topic(f"{context}.events"), key_serializer="raw", value_serializer="raw", internal=False
            )
            self.agents.append(self.app.agent(topic, name=f"{context}-facts")(self._project))

    async def _project(self, stream) -> None:
        async for event in stream.events():
            try:
                envelope = Envelope.from_kafka(event.value, event.headers)
                changes = facts.apply(envelope, self.facts.get)
            except EnvelopeError as e:
                await self._dead_letter(event, e)
                continue
            for key, row in changes:
                self.facts[key] = row
                self.dirty.add(key)
            self.changes += len(changes)
            self.processed += 1
            self.last_event_at = time.monotonic()

    async def _dead_letter(self, event, error: Exception) -> None:
        headers = dict(event.headers or {})
        headers.update(
            dlq_error=str(error)[:4000].encode(),
            dlq_error_type=type(error).__name__.encode(),
            dlq_consumer=b"reporting",
            dlq_source_topic=event.message.topic.encode(),
            dlq_source_partition=str(event.message.partition).encode(),
            dlq_source_offset=str(event.message.offset).encode(),
        )
        await self.dlq.send(key=event.key, value=event.value, headers=headers)
        self.dead_lettered += 1
        log.error("reporting.dead_lettered", error=str(error), offset=event.message.offset)

    def agents_alive(self) -> bool:
        """True while every actor of every agent is running (faust agents can otherwise die silently)."""
        actors = [a for agent in self.agents for a in agent._actors]
        return bool(actors) and all(a.actor_task is not None and not a.actor_task.done() for a in actors)

    def recovered(self) -> bool:
        """True once the table has been restored from its changelog."""
        return self.app.started and self.app.tables.recovery.completed.is_set()

    def rows(self) -> list[dict]:
        """Current rows."""
        return [row for row in self.facts.values() if row]

    def take_dirty(self) -> dict[str, dict]:
        """Rows changed since the last call."""
        keys, self.dirty = self.dirty, set()
        return {key: self.facts.get(key) for key in keys}
