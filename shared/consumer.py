"""Consumer runtime for services reacting to other services' events (aiokafka).

For every record: decode the envelope; in one database transaction, record the event id as processed
for this consumer and run the handler, so an effect is applied once even when Kafka redelivers; commit
the Kafka offset only after the transaction. Transient failures (database or network) are retried with
backoff until they pass; a message that cannot be handled (malformed, unknown version, broken rule,
or still failing after `max_attempts`) goes to the dead-letter topic with its error in the headers, and
the consumer goes on with the next one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from pydantic import ValidationError
from tenacity import AsyncRetrying, wait_exponential
from tenacity.wait import wait_base

from shared.envelope import Envelope
from shared.errors import DomainError, EnvelopeError

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, asyncpg.Connection], Awaitable[None]]

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,
    TimeoutError,
    OSError,
)
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (EnvelopeError, DomainError, ValidationError)


class EventConsumer:
    """Consumes topics for one consumer group and applies each event's effect exactly once."""

    def __init__(
        self,
        *,
        name: str,
        consumer: AIOKafkaConsumer,
        dlq_producer: AIOKafkaProducer,
        dlq_topic: str,
        pool: asyncpg.Pool,
        schema: str,
        handlers: Mapping[str, Handler],
        max_attempts: int = 5,
        kill_after_records: int = 0,
        retry_wait: wait_base | None = None,
    ) -> None:
        self.name = name
        self.consumer = consumer
        self.dlq_producer = dlq_producer
        self.dlq_topic = dlq_topic
        self.pool = pool
        self.schema = schema
        self.handlers = dict(handlers)
        self.max_attempts = max_attempts
        self.kill_after_records = kill_after_records
        self.retry_wait = retry_wait or wait_exponential(multiplier=0.2, max=30)
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.last_poll: float | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then commit and leave the group."""
        try:
            while not stop.is_set():
                batches = await self.consumer.getmany(timeout_ms=500)
                self.last_poll = time.monotonic()
                for tp, records in batches.items():
                    for record in records:
                        await self.handle_record(record, stop)
                        if stop.is_set() and record is not records[-1]:
                            # Stop between records: commit what is done; the rest is redelivered.
                            await self._commit(tp, record.offset + 1)
                            return
                    await self._commit(tp, records[-1].offset + 1)
        finally:
            await self.consumer.stop()
            log.info(
                "consumer.stopped",
                consumer=self.name,
                applied=self.applied,
                duplicates=self.duplicates,
                dead_lettered=self.dead_lettered,
            )

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        try:
            await self.consumer.commit({tp: offset})
        except CommitFailedError as e:
            # Group rebalanced: the records are redelivered to the new owner and deduplicated there.
            log.warning("consumer.commit_failed", consumer=self.name, partition=tp.partition, error=str(e))

    async def handle_record(self, record: ConsumerRecord, stop: asyncio.Event | None = None) -> None:
        """Decode and apply one record, or dead-letter it."""
        try:
            envelope = Envelope.from_kafka(record.value, record.headers)
        except EnvelopeError as e:
            await self.dead_letter(record, e, attempts=1)
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return  # an event this consumer does not react to
        retrying = AsyncRetrying(
            retry=lambda state: (
                state.outcome.failed and self._retryable(state.outcome.exception(), state.attempt_number)
            ),
            wait=self.retry_wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._apply(envelope, handler)
        except Exception as e:  # noqa: BLE001 - not retryable any more: it goes to the dead-letter topic
            await self.dead_letter(record, e, attempts=retrying.statistics.get("attempt_number", 1))
            return
        if self.kill_after_records and self.applied + self.duplicates >= self.kill_after_records:
            # Fault injection for the crash test: die after the effect committed, before the offset.
            log.warning("consumer.fault_injection_kill", consumer=self.name, applied=self.applied)
            os.kill(os.getpid(), signal.SIGKILL)

    def _retryable(self, error: BaseException, attempts: int) -> bool:
        if isinstance(error, PERMANENT_ERRORS):
            return False
        transient = isinstance(error, TRANSIENT_ERRORS)
        log.warning(
            "consumer.retry",
            consumer=self.name,
            error=str(error),
            error_type=type(error).__name__,
            attempts=attempts,
            transient=transient,
        )
        # Infrastructure failures are waited out; anything else gets a bounded number of tries.
        return transient or attempts < self.max_attempts

    async def _apply(self, envelope: Envelope, handler: Handler) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            first_time = await conn.fetchval(
                f"""INSERT INTO {self.schema}.processed_events (consumer, event_id) VALUES ($1, $2)
                    ON CONFLICT DO NOTHING RETURNING true""",
                self.name,
                envelope.id,
            )
            if not first_time:
                self.duplicates += 1
                return
            await handler(envelope, conn)
        self.applied += 1

    async def dead_letter(self, record: ConsumerRecord, error: BaseException, *, attempts: int) -> None:
        """Send the record, untouched, to the dead-letter topic with the error in its headers."""
        headers = list(record.headers or []) + [
            ("dlq_error", str(error)[:4000].encode()),
            ("dlq_error_type", type(error).__name__.encode()),
            ("dlq_error_trace", "".join(traceback.format_exception(error))[-4000:].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_source_topic", record.topic.encode()),
            ("dlq_source_partition", str(record.partition).encode()),
            ("dlq_source_offset", str(record.offset).encode()),
        ]
        try:
            await (await self.dlq_producer.send(self.dlq_topic, value=record.value, key=record.key, headers=headers))
        except KafkaError as e:
            # Without the dead-letter copy the offset must not move on: let the runtime restart the consumer.
            raise RuntimeError(f"cannot write to dead-letter topic {self.dlq_topic}: {e}") from e
        self.dead_lettered += 1
        log.error(
            "consumer.dead_lettered",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error),
            error_type=type(error).__name__,
        )
