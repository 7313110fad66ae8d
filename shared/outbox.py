"""Outbox relay: publishes what the event store appended to Kafka, in position order, at least once.

The store's `events` table is the outbox. The relay reads events after its checkpoint, sends them with
an idempotent producer (acks=all) keyed by partition key, waits for every acknowledgement, and only
then moves its checkpoint. A crash between the acknowledgement and the checkpoint republishes the
batch: downstream consumers deduplicate by event id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import structlog
from aiokafka import AIOKafkaProducer

from shared.eventstore import PostgresEventStore

log = structlog.get_logger(__name__)


class OutboxRelay:
    """Moves events from one service's store to its Kafka topic."""

    def __init__(
        self,
        store: PostgresEventStore,
        producer: AIOKafkaProducer,
        topic: str,
        *,
        name: str = "kafka",
        batch_size: int = 500,
        idle_wait: float = 0.5,
        kill_after_batches: int = 0,
    ) -> None:
        self.store = store
        self.producer = producer
        self.topic = topic
        self.name = name
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.kill_after_batches = kill_after_batches
        self.batches_published = 0
        self.events_published = 0
        self.last_success: float | None = None
        self.standby = False
        self._wakeup = asyncio.Event()

    async def checkpoint(self) -> int:
        """Position of the last event known to be acknowledged by Kafka."""
        value = await self.store.pool.fetchval(
            f"SELECT position FROM {self.store.schema}.relay_checkpoints WHERE relay = $1", self.name
        )
        return value or 0

    async def _save_checkpoint(self, position: int) -> None:
        await self.store.pool.execute(
            f"""INSERT INTO {self.store.schema}.relay_checkpoints (relay, position) VALUES ($1, $2)
                ON CONFLICT (relay) DO UPDATE SET position = excluded.position, updated_at = now()""",
            self.name,
            position,
        )

    async def publish_batch(self) -> int:
        """Publish the next batch after the checkpoint; returns how many events went out."""
        after = await self.checkpoint()
        batch = await self.store.read_all(after, self.batch_size)
        if not batch:
            self.last_success = time.monotonic()
            return 0
        futures = [
            await self.producer.send(self.topic, value=e.kafka_value(), key=e.kafka_key(), headers=e.kafka_headers())
            for e in batch
        ]
        await asyncio.gather(*futures)
        self.batches_published += 1
        if self.kill_after_batches and self.batches_published >= self.kill_after_batches:
            # Fault injection for the crash test: die after Kafka's ack, before the checkpoint.
            log.warning("relay.fault_injection_kill", batches=self.batches_published)
            os.kill(os.getpid(), signal.SIGKILL)
        await self._save_checkpoint(batch[-1].position or after)
        self.events_published += len(batch)
        self.last_success = time.monotonic()
        log.debug("relay.published", topic=self.topic, count=len(batch), last=batch[-1].position)
        return len(batch)

    async def publish_pending(self) -> int:
        """Publish until nothing is left; returns the number of events published."""
        total = 0
        while n := await self.publish_batch():
            total += n
        return total

    def _on_notify(self, *_args) -> None:
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; woken by NOTIFY from appends, polling as a fallback.

        Several processes of one service may run a relay (replicas): a session advisory lock on the listening
        connection elects one; the others wait, ready to take over when its connection goes.
        """
        async with self.store.pool.acquire() as listener:
            lock = f"ali-relay-{self.store.schema}-{self.name}"
            while not await listener.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock):
                self.standby = True
                await _sleep_or_stop(stop, self.idle_wait * 4)
                if stop.is_set():
                    return
            self.standby = False
            await listener.add_listener(self.store.notify_channel, self._on_notify)
            try:
                backoff = 0.5
                while not stop.is_set():
                    self._wakeup.clear()
                    try:
                        published = await self.publish_pending()
                        backoff = 0.5
                    except Exception as e:  # noqa: BLE001 - any failure: retry from the checkpoint
                        log.error("relay.publish_failed", error=str(e), error_type=type(e).__name__, retry_in=backoff)
                        await _sleep_or_stop(stop, backoff)
                        backoff = min(backoff * 2, 30)
                        continue
                    if not published:
                        waiter = asyncio.ensure_future(self._wakeup.wait())
                        stopper = asyncio.ensure_future(stop.wait())
                        await asyncio.wait(
                            {waiter, stopper}, timeout=self.idle_wait, return_when=asyncio.FIRST_COMPLETED
                        )
                        waiter.cancel()
                        stopper.cancel()
            finally:
                await listener.remove_listener(self.store.notify_channel, self._on_notify)
                await listener.execute("SELECT pg_advisory_unlock(hashtext($1))", lock)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
