"""The Kafka side of the projection: a consumer group whose members share the three topics' partitions.

Offsets live in PostgreSQL with the facts they produced (`offsets`, written in the batch's transaction): a
partition assigned to this worker is read from there, whatever the group's committed offset says (committed
to Kafka too, after the database, only for operators' tools). A rebalance waits for the batch in progress to
commit before the partitions move; a member that lost its partitions without knowing it (a zombie) can only
repeat events the stream versions skip, and offsets never move back.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Sequence

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import IllegalStateError, KafkaError

from services.reporting.adapters.records import NewerSchemaVersion
from services.reporting.adapters.store import FactStore, ProjectionSuperseded
from services.reporting.service_layer.projector import Projector
from services.reporting.settings import ReportingSettings
from shared.kafka import make_consumer, stop_consumer

log = structlog.get_logger(__name__)

CONTEXTS = ("intake", "accompaniment", "placement")
# Failures worth waiting out: the batch is read again once they pass.
TRANSIENT = (
    OSError,
    TimeoutError,
    KafkaError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def source_topics(settings: ReportingSettings) -> list[str]:
    """The topics the projection folds."""
    return [settings.topic(f"{c}.events") for c in CONTEXTS]


async def topic_partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of the topics, from fresh metadata (a consumer without assignment keeps none)."""
    cluster = await consumer._client.fetch_all_metadata()  # aiokafka has no public call returning it
    return [TopicPartition(t, p) for t in topics for p in sorted(cluster.partitions_for_topic(t) or ())]


class DeadLetters:
    """Sends unreadable records, untouched, to `reporting.dlq` with the error in their headers."""

    def __init__(self, producer: AIOKafkaProducer | None, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    async def __call__(self, poison: Sequence[tuple[ConsumerRecord, BaseException]]) -> None:
        """Send and wait for every acknowledgement (the batch commits only after)."""
        if self.producer is None:
            raise KafkaError("the dead-letter producer is not connected yet")
        sent = []
        for record, error in poison:
            headers = list(record.headers or []) + [
                ("dlq_error", str(error)[:4000].encode()),
                ("dlq_error_type", type(error).__name__.encode()),
                ("dlq_error_trace", "".join(traceback.format_exception(error))[-4000:].encode()),
                ("dlq_consumer", b"reporting"),
                ("dlq_attempts", b"1"),
                ("dlq_source_topic", record.topic.encode()),
                ("dlq_source_partition", str(record.partition).encode()),
                ("dlq_source_offset", str(record.offset).encode()),
            ]
            sent.append(await self.producer.send(self.topic, value=record.value, key=record.key, headers=headers))
        await asyncio.gather(*sent)


class ProjectionConsumer:
    """One member of the reporting group: reads batches and hands them to the projector."""

    def __init__(self, settings: ReportingSettings, projector: Projector, store: FactStore, pool: asyncpg.Pool) -> None:
        self.settings = settings
        self.projector = projector
        self.store = store
        self.pool = pool
        self.group = settings.group(f"reporting.v{settings.reporting_projection_version}")
        self.processing = asyncio.Lock()
        self.assignment: set[TopicPartition] = set()
        self.blocked: str | None = None
        self.last_poll: float | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self._stored: dict[TopicPartition, int] = {}  # next offset stored with the facts, per assigned partition

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; a failing batch is read again after a pause."""
        consumer = make_consumer(
            self.settings,
            self.group,
            [],
            max_poll_records=self.settings.reporting_batch_records,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        consumer.subscribe(source_topics(self.settings), listener=_Rebalance(self))
        self.consumer = consumer
        await consumer.start()
        backoff = 0.2
        try:
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=self.settings.reporting_batch_records)
                self.last_poll = time.monotonic()
                if not batch:
                    async with self.processing:
                        await self._store_positions(consumer)
                    continue
                async with self.processing:
                    try:
                        await self.projector.apply_or_isolate(batch)
                    except (NewerSchemaVersion, ProjectionSuperseded, *TRANSIENT) as e:
                        self.blocked = f"{type(e).__name__}: {e}"
                        log.warning("reporting.batch_retried", error=str(e), error_type=type(e).__name__, wait=backoff)
                        self._rewind(consumer, batch)
                        await _sleep(stop, backoff)
                        backoff = min(backoff * 2, 10.0)
                        continue
                    self.blocked = None
                    backoff = 0.2
                    self._stored.update({tp: records[-1].offset + 1 for tp, records in batch.items() if records})
                    await self._commit(consumer, batch)
        finally:
            self.consumer = None
            await stop_consumer(consumer)

    async def _store_positions(self, consumer: AIOKafkaConsumer) -> None:
        """Store positions that moved without a record: a partition written in transactions ends with a commit
        marker, which takes an offset; without this the lag would never reach zero."""
        moved = {}
        for tp in list(self.assignment):
            try:
                position = await consumer.position(tp)
            except IllegalStateError:
                continue
            if position > self._stored.get(tp, 0):
                moved[tp] = position
        if moved:
            await self.projector.store_offsets({(tp.topic, tp.partition): n for tp, n in moved.items()})
            self._stored.update(moved)

    def _rewind(self, consumer: AIOKafkaConsumer, batch) -> None:
        for tp, records in batch.items():
            if records:
                try:
                    consumer.seek(tp, records[0].offset)
                except IllegalStateError:
                    pass  # no longer ours: the new owner reads it from the stored offsets

    async def _commit(self, consumer: AIOKafkaConsumer, batch) -> None:
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        try:
            await consumer.commit(offsets)
        except (KafkaError, IllegalStateError) as e:
            # The stored offsets are the truth; this copy only feeds operators' lag tools.
            log.info("reporting.kafka_commit_skipped", error=str(e))

    async def seek_to_stored(self, consumer: AIOKafkaConsumer, assigned: set[TopicPartition]) -> None:
        """Read newly assigned partitions from the offsets stored with the facts (the beginning if none)."""
        async with self.pool.acquire() as conn:
            stored = await self.store.offsets(conn)
        beginning = []
        for tp in assigned:
            offset = stored.get((tp.topic, tp.partition))
            self._stored[tp] = offset or 0
            if offset is None:
                beginning.append(tp)
            else:
                consumer.seek(tp, offset)
        if beginning:
            await consumer.seek_to_beginning(*beginning)


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, owner: ProjectionConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked) -> None:
        # Let the batch in progress commit before the partitions move to another member.
        async with self.owner.processing:
            self.owner.assignment = set()

    async def on_partitions_assigned(self, assigned) -> None:
        self.owner.assignment = set(assigned)
        if self.owner.consumer is not None and assigned:
            await self.owner.seek_to_stored(self.owner.consumer, set(assigned))
        log.info("reporting.partitions_assigned", partitions=len(assigned))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
