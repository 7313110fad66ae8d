"""The faust-streaming application of reporting: agents folding topics into tables."""

from __future__ import annotations

import time

import faust
import structlog

from services.reporting.domain import projection
from services.reporting.settings import ReportingSettings
from shared.envelope import Envelope
from shared.errors import EnvelopeError

log = structlog.get_logger(__name__)


class ReportingStreams:
    """The faust app, its tables and agents, built for one set of settings."""

    def __init__(self, settings: ReportingSettings) -> None:
        self.settings = settings
        self.app = faust.App(
            settings.group("reporting"),
            broker=[f"kafka://{server}" for server in settings.kafka_bootstrap_servers.split(",")],
            store="memory://",
            # Started inside FastAPI's lifespan on uvicorn's loop; faust's own web server is not used.
            web_enabled=False,
            topic_partitions=settings.topic_partitions,
            topic_replication_factor=settings.topic_replication_factor,
            topic_allow_declare=True,
            consumer_auto_offset_reset="earliest",
        )
        self.accompaniment_events = self.app.topic(
            settings.topic("accompaniment.events"), key_serializer="raw", value_serializer="raw", internal=False
        )
        self.dlq = self.app.topic(settings.topic("reporting.dlq"), key_serializer="raw", value_serializer="raw")
        # One row per accompaniment; changelog partitions follow the source topic's (keyed by beneficiary).
        # Keys and values go through faust's default JSON serializer (a `value_type` other than a
        # faust Record breaks changelog recovery).
        self.accompaniments = self.app.Table("accompaniments", default=None, partitions=settings.topic_partitions)
        self.processed = 0
        self.dead_lettered = 0
        self.last_event_at: float | None = None
        self.agent = self.app.agent(self.accompaniment_events, name="accompaniment-outcomes")(self._project)

    async def _project(self, stream) -> None:
        async for event in stream.events():
            try:
                envelope = Envelope.from_kafka(event.value, event.headers)
                key = envelope.data.get("accompaniment_id")
                row = projection.apply(self.accompaniments.get(key), envelope) if key else None
            except EnvelopeError as e:
                await self._dead_letter(event, e)
                continue
            if row is not None:
                self.accompaniments[key] = row
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

    def agent_alive(self) -> bool:
        """True while every actor of the projection agent is running."""
        actors = list(self.agent._actors)
        return bool(actors) and all(a.actor_task is not None and not a.actor_task.done() for a in actors)

    def rows(self) -> list[dict]:
        """Current rows of the projection."""
        return [row for row in self.accompaniments.values() if row]
