"""Outbox relay: publishes what the event store appended to Kafka, in position order, each event exactly once.

The store's `events` table is the outbox. Replicas of a service each run a relay; one leads, the others stand by.

Fencing, on both sides:
- PostgreSQL: the leader is elected by a session advisory lock taken on a connection of its own, and everything it
  does in the database (reading the outbox, moving the checkpoint, parking an event) goes through THAT connection. A
  lost connection loses the lock, and the relay notices it at once (a termination listener): it aborts the Kafka
  transaction in flight, stops publishing and goes back to standby. No checkpoint is ever written without the lock.
- Kafka: the leader publishes with a transactional producer whose `transactional.id` is the relay's (the same for
  every replica, `<topic>.relay.<schema>.<name>`). Taking the lead starts that producer, which fences any earlier
  producer of the id: the broker aborts its open transaction, and any send or commit it still tries fails
  (`ProducerFenced`). A relay that lost its PostgreSQL connection but had not noticed yet can therefore not add a
  single record once a successor is up.

Exactly once across the window "Kafka committed the batch, the checkpoint could not be written" (PostgreSQL went
down between the two): on taking the lead, after fencing, the relay reads the last committed record of every
partition of its topic (its `ce_position` header). Events are sent in position order, each to the partition its key
maps to, by an idempotent producer in one transaction per batch, so a partition holds a prefix of its events in
position order: an event at or below its partition's last published position is already there and is skipped. So
after any crash or restart each event is on the topic exactly once (consumers read committed records only, as
`shared.kafka.make_consumer` does), and the checkpoint never moves backwards.

Parking: an event the broker refuses for what it is (too large for the topic's `max.message.bytes`, corrupt) is
isolated (the failed batch is retried one event per transaction), recorded in `relay_parked` with its error, and
skipped: the relay goes on with the next events. `python -m services.<name> relay parked` lists them and
`... relay retry` publishes them again (counted in `/metrics` as `ali_relay_parked_events`). Any other failure is
retried with backoff from the checkpoint.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    CorruptRecordException,
    KafkaError,
    MessageSizeTooLargeError,
    ProducerFenced,
    RecordTooLargeError,
)
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client import Counter, Gauge

from shared.envelope import Envelope
from shared.eventstore import PostgresEventStore
from shared.kafka import make_consumer, make_producer, stop_consumer
from shared.migrations import pool_connector
from shared.runtime import wait_any
from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)

# Errors about one record itself: retrying it can never succeed, so it is parked and the relay goes on.
RECORD_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    CorruptRecordException,
)

PUBLISHED = Counter("ali_relay_published_events", "Events published by the outbox relay", ["schema"])
PARKED = Gauge("ali_relay_parked_events", "Events the outbox relay could not publish, kept aside", ["schema"])
BACKLOG = Gauge("ali_relay_backlog_events", "Events stored but not yet published", ["schema"])


class LeadershipLost(Exception):
    """The relay's lock connection went away (or another relay fenced its producer): it must stop publishing."""


@dataclass(frozen=True)
class RelayStatus:
    """What `/health/ready` and `/metrics` report of a store's relay (read from the database: any replica knows)."""

    backlog: int
    parked: int
    oldest_pending_seconds: float | None
    checkpoint_age_seconds: float | None

    def stalled(self, after_seconds: float) -> bool:
        """A backlog that has waited, with no checkpoint move, for more than `after_seconds`."""
        return (
            self.backlog > 0
            and (self.oldest_pending_seconds or 0) > after_seconds
            and (self.checkpoint_age_seconds is None or self.checkpoint_age_seconds > after_seconds)
        )


class OutboxRelay:
    """Moves events from one service's store to its Kafka topic."""

    def __init__(
        self,
        store: PostgresEventStore,
        settings: PlatformSettings,
        topic: str,
        *,
        name: str = "kafka",
        batch_size: int = 500,
        idle_wait: float = 0.5,
        linger: float = 0.0,
        kill_after_batches: int = 0,
    ) -> None:
        self.store = store
        self.settings = settings
        self.topic = topic
        self.name = name
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.linger = linger
        self.kill_after_batches = kill_after_batches
        self.batches_published = 0
        self.events_published = 0
        self.events_skipped = 0
        self.events_parked = 0
        self.last_success: float | None = None
        self.standby = True
        self.leader_terms = 0
        self._wakeup = asyncio.Event()
        self._partitioner = DefaultPartitioner()
        self._producer: AIOKafkaProducer | None = None
        # The checkpoint as this leader last read or wrote it (it alone writes it while it holds the lock): one
        # round trip fewer per batch. None outside a term: read from the database first.
        self._position: int | None = None

    @property
    def lock_name(self) -> str:
        """Advisory lock electing the relay of this store."""
        return f"ali-relay-{self.store.schema}-{self.name}"

    @property
    def transactional_id(self) -> str:
        """Kafka transactional id shared by every replica's relay of this store (fencing). Named after the topic,
        `ali.<service>.events…`, it falls under the service's own prefix, where its ACLs allow it (shared/kafka_acl)."""
        return f"{self.topic}.relay.{self.store.schema}.{self.name}"

    # ------------------------------------------------------------------ checkpoint

    async def checkpoint(self, conn: asyncpg.Connection | None = None) -> int:
        """Position of the last event known to be on the topic (or parked)."""
        value = await (conn or self.store.pool).fetchval(
            f"SELECT position FROM {self.store.schema}.relay_checkpoints WHERE relay = $1", self.name
        )
        return value or 0

    async def _save_checkpoint(self, conn: asyncpg.Connection, position: int) -> None:
        await conn.execute(
            f"""INSERT INTO {self.store.schema}.relay_checkpoints (relay, position) VALUES ($1, $2)
                ON CONFLICT (relay) DO UPDATE SET position = greatest({self.store.schema}.relay_checkpoints.position,
                                                                      excluded.position), updated_at = now()""",
            self.name,
            position,
        )
        if not conn.is_in_transaction():  # else once the transaction committed (`_park`)
            self._position = max(self._position or 0, position)

    # ------------------------------------------------------------------ leading

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set: stand by until this relay holds the lock, then publish while it holds it."""
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._term(stop)
                backoff = 0.5
            except (LeadershipLost, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as e:
                self.standby = True
                log.warning("relay.leadership_lost", relay=self.name, error=str(e) or type(e).__name__)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10)

    async def _term(self, stop: asyncio.Event) -> None:
        """One connection's life: stand by on it, lead while its lock is held, and end when it is lost."""
        conn = await pool_connector(self.store.pool)()
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", self.lock_name):
                self.standby = True
                await wait_any(stop, lost, timeout=self.idle_wait * 4)
                if stop.is_set():
                    return
                if lost.is_set():
                    raise LeadershipLost("lock connection lost while standing by")
            await _commit_without_flush_wait(conn)
            self.standby = False
            self.leader_terms += 1
            log.info("relay.leading", relay=self.name, schema=self.store.schema, term=self.leader_terms)
            await self._lead(conn, lost, stop)
        finally:
            self.standby = True
            if not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), timeout=5)  # the session lock goes with the session
                except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError, TimeoutError):
                    conn.terminate()

    async def _start_producer(self) -> AIOKafkaProducer:
        """A transactional producer of the relay's id; starting it fences every earlier one (their open transaction
        is aborted by the broker)."""
        producer = make_producer(self.settings, transactional_id=self.transactional_id, transaction_timeout_ms=20000)
        await producer.start()
        try:
            await producer.begin_transaction()
            await producer.abort_transaction()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer
        return producer

    async def _restart_producer(self) -> None:
        """After a refused record the idempotent sequence is broken (the broker answers OutOfOrderSequenceNumber to
        what follows): a new producer of the same id starts clean."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        await self._start_producer()

    async def _lead(self, conn: asyncpg.Connection, lost: asyncio.Event, stop: asyncio.Event) -> None:
        self._position = None
        producer = await self._start_producer()
        try:
            # Fenced before reading the tails: no earlier leader can add a record after this point.
            tails = await published_tails(self.settings, self.topic)
            partitions = sorted(await producer.partitions_for(self.topic))
            await conn.add_listener(self.store.notify_channel, self._on_notify)
            backoff = 0.5
            while not stop.is_set():
                if lost.is_set():
                    raise LeadershipLost("lock connection lost")
                self._wakeup.clear()
                try:
                    published = await self._publish_batch(conn, lost, partitions, tails)
                    backoff = 0.5
                except (LeadershipLost, ProducerFenced, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
                    raise
                except (KafkaError, OSError, asyncpg.PostgresError) as e:
                    # Broker unreachable, timeouts...: the transaction was aborted; retry from the checkpoint.
                    log.error("relay.publish_failed", error=str(e), error_type=type(e).__name__, retry_in=backoff)
                    await wait_any(stop, lost, timeout=backoff)
                    backoff = min(backoff * 2, 30)
                    if isinstance(e, KafkaError):
                        await self._restart_producer()
                    continue
                if not published:
                    await wait_any(stop, lost, self._wakeup, timeout=self.idle_wait)
                elif published < self.batch_size and self.linger:
                    # Caught up: let the next commits gather, so that they go out in one Kafka transaction.
                    await wait_any(stop, lost, timeout=self.linger)
        finally:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None

    def _on_notify(self, *_args) -> None:
        self._wakeup.set()

    def _partition(self, envelope: Envelope, partitions: Sequence[int]) -> int:
        return self._partitioner(envelope.kafka_key(), partitions, partitions)

    async def _publish_batch(
        self, conn: asyncpg.Connection, lost: asyncio.Event, partitions: Sequence[int], tails: dict[int, int]
    ) -> int:
        """Publish the next batch after the checkpoint in one transaction; returns how many events it covered."""
        if self._position is None:
            self._position = await self.checkpoint(conn)
        after = self._position
        batch = await self.store.read_all(after, self.batch_size, conn=conn)
        if not batch:
            self.last_success = time.monotonic()
            return 0
        routed = [(e, self._partition(e, partitions)) for e in batch]
        to_send = [(e, p) for e, p in routed if e.position > tails.get(p, 0)]
        self.events_skipped += len(batch) - len(to_send)
        if to_send:
            try:
                await self._send_in_transaction(lost, to_send)
            except RECORD_ERRORS:
                # One of them is refused for what it is: find it, publishing one event per transaction.
                return await self._isolate(conn, lost, to_send, tails, after=batch[-1].position)
        self.batches_published += 1
        if self.kill_after_batches and self.batches_published >= self.kill_after_batches:
            # Fault injection for the crash test: die after Kafka's commit, before the checkpoint.
            log.warning("relay.fault_injection_kill", batches=self.batches_published)
            os.kill(os.getpid(), signal.SIGKILL)
        for e, p in to_send:
            tails[p] = e.position
        await self._save_checkpoint(conn, batch[-1].position)
        self.events_published += len(to_send)
        PUBLISHED.labels(self.store.schema).inc(len(to_send))
        self.last_success = time.monotonic()
        log.debug("relay.published", topic=self.topic, count=len(to_send), last=batch[-1].position)
        return len(batch)

    async def _send_in_transaction(self, lost: asyncio.Event, items: Sequence[tuple[Envelope, int]]) -> None:
        producer = self._producer
        await producer.begin_transaction()
        try:
            futures = [
                await producer.send(
                    self.topic, value=e.kafka_value(), key=e.kafka_key(), partition=p, headers=e.kafka_headers()
                )
                for e, p in items
            ]
            await asyncio.gather(*futures)
            if lost.is_set():
                raise LeadershipLost("lock connection lost before the commit")
            await producer.commit_transaction()
        except ProducerFenced:
            raise
        except RECORD_ERRORS:
            await _abort(producer)
            await self._restart_producer()
            raise
        except BaseException:
            await _abort(producer)
            raise

    async def _isolate(
        self,
        conn: asyncpg.Connection,
        lost: asyncio.Event,
        items: Sequence[tuple[Envelope, int]],
        tails: dict[int, int],
        after: int,
    ) -> int:
        for e, p in items:
            try:
                await self._send_in_transaction(lost, [(e, p)])
            except RECORD_ERRORS as error:
                await self._park(conn, e, error)
                continue
            tails[p] = e.position
            self.events_published += 1
            PUBLISHED.labels(self.store.schema).inc()
            await self._save_checkpoint(conn, e.position)
        await self._save_checkpoint(conn, after)
        self.last_success = time.monotonic()
        return len(items)

    async def _park(self, conn: asyncpg.Connection, envelope: Envelope, error: BaseException) -> None:
        async with conn.transaction():
            await conn.execute(
                f"""INSERT INTO {self.store.schema}.relay_parked (relay, position, event_id, error_type, error)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (relay, position) DO UPDATE SET error_type = excluded.error_type,
                        error = excluded.error, attempts = relay_parked.attempts + 1, last_attempt_at = now()""",
                self.name,
                envelope.position,
                envelope.id,
                type(error).__name__,
                str(error)[:4000] or type(error).__name__,
            )
            await self._save_checkpoint(conn, envelope.position)
        self._position = max(self._position or 0, envelope.position)
        self.events_parked += 1
        PARKED.labels(self.store.schema).inc()
        log.error(
            "relay.event_parked",
            relay=self.name,
            position=envelope.position,
            event_id=str(envelope.id),
            event_type=envelope.type,
            size=len(envelope.kafka_value()),
            error_type=type(error).__name__,
            error=str(error),
            hint="the relay goes on; list and retry with `python -m services.<name> relay parked|retry`",
        )

    # ------------------------------------------------------------------ outside the leader

    async def publish_pending(self) -> int:
        """Lead once and publish until nothing is left (benchmarks, tests); returns the events covered."""
        stop = asyncio.Event()
        conn = await pool_connector(self.store.pool)()
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        total = 0
        try:
            if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", self.lock_name):
                raise LeadershipLost("another relay leads")
            await _commit_without_flush_wait(conn)
            self._position = None
            producer = await self._start_producer()
            try:
                tails = await published_tails(self.settings, self.topic)
                partitions = sorted(await producer.partitions_for(self.topic))
                while not stop.is_set() and (n := await self._publish_batch(conn, lost, partitions, tails)):
                    total += n
            finally:
                if self._producer is not None:
                    await self._producer.stop()
                    self._producer = None
        finally:
            await conn.close()
        return total

    async def status(self) -> RelayStatus:
        """Backlog, parked events and ages, from the database."""
        s = self.store.schema
        row = await self.store.pool.fetchrow(
            f"""WITH c AS (SELECT coalesce((SELECT position FROM {s}.relay_checkpoints WHERE relay = $1), 0)
                                      AS position,
                                  (SELECT updated_at FROM {s}.relay_checkpoints WHERE relay = $1) AS updated_at)
                SELECT (SELECT count(*) FROM {s}.events e WHERE e.position > c.position) AS backlog,
                       (SELECT count(*) FROM {s}.relay_parked p WHERE p.relay = $1) AS parked,
                       extract(epoch FROM now() - (SELECT min(recorded_at) FROM {s}.events e
                                                   WHERE e.position > c.position)) AS oldest_pending,
                       extract(epoch FROM now() - c.updated_at) AS checkpoint_age
                FROM c""",
            self.name,
        )
        status = RelayStatus(
            backlog=row["backlog"],
            parked=row["parked"],
            oldest_pending_seconds=float(row["oldest_pending"]) if row["oldest_pending"] is not None else None,
            checkpoint_age_seconds=float(row["checkpoint_age"]) if row["checkpoint_age"] is not None else None,
        )
        BACKLOG.labels(s).set(status.backlog)
        PARKED.labels(s).set(status.parked)
        return status


async def published_tails(settings: PlatformSettings, topic: str) -> dict[int, int]:
    """For each partition of `topic`, the `ce_position` of its last committed record (absent when none)."""
    consumer = make_consumer(settings, None, [], enable_auto_commit=False)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic)
        if parts is None:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - metadata of a topic not subscribed
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return {}
        begin = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
        # Only partitions with records are assigned (an assigned partition without a position sends an offset lookup
        # of its own, which a close of the consumer then waits on).
        tps = [tp for tp in tps if end[tp] > begin[tp]]
        if not tps:
            return {}
        consumer.assign(tps)
        tails: dict[int, int] = {}
        for tp in tps:
            window = 16
            while end[tp] > begin[tp]:
                start = max(begin[tp], end[tp] - window)
                consumer.seek(tp, start)
                last = None
                while await consumer.position(tp) < end[tp]:
                    records = (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
                    for record in records:
                        if record.offset >= end[tp]:
                            break
                        position = dict(record.headers or []).get("ce_position")
                        if position is not None:
                            last = int(position)
                if last is not None:
                    tails[tp.partition] = last
                    break
                if start == begin[tp]:
                    break
                window *= 8
        return tails
    finally:
        await stop_consumer(consumer)


async def list_parked(pool: asyncpg.Pool, schema: str, relay: str = "kafka") -> list[asyncpg.Record]:
    """The events the relay parked, oldest first."""
    return await pool.fetch(
        f"""SELECT p.position, p.event_id, e.type, length(e.data::text) AS size, p.error_type, p.error, p.attempts,
                   p.parked_at, p.last_attempt_at
            FROM {schema}.relay_parked p JOIN {schema}.events e ON e.position = p.position
            WHERE p.relay = $1 ORDER BY p.position""",
        relay,
    )


async def retry_parked(
    store: PostgresEventStore,
    settings: PlatformSettings,
    topic: str,
    positions: Sequence[int] | None = None,
    relay: str = "kafka",
) -> tuple[list[int], list[tuple[int, str]]]:
    """Publish parked events again (all, or those at `positions`); returns (published, still failing with error).

    A published event leaves the parked table; a failing one stays with its new error. Published out of position
    order, after later events of its stream: consumers deduplicate by event id and fold by stream version.
    """
    rows = await list_parked(store.pool, store.schema, relay)
    if positions is not None:
        wanted = set(positions)
        rows = [r for r in rows if r["position"] in wanted]
    published: list[int] = []
    failed: list[tuple[int, str]] = []
    if not rows:
        return published, failed
    producer = make_producer(settings)
    await producer.start()
    try:
        partitioner = DefaultPartitioner()
        partitions = sorted(await producer.partitions_for(topic))
        for row in rows:
            [envelope] = await store.read_all(row["position"] - 1, 1)
            try:
                await producer.send_and_wait(
                    topic,
                    value=envelope.kafka_value(),
                    key=envelope.kafka_key(),
                    partition=partitioner(envelope.kafka_key(), partitions, partitions),
                    headers=envelope.kafka_headers(),
                )
            except KafkaError as e:
                failed.append((row["position"], f"{type(e).__name__}: {e}"))
                await store.pool.execute(
                    f"""UPDATE {store.schema}.relay_parked SET error_type = $3, error = $4, attempts = attempts + 1,
                        last_attempt_at = now() WHERE relay = $1 AND position = $2""",
                    relay,
                    row["position"],
                    type(e).__name__,
                    str(e)[:4000] or type(e).__name__,
                )
                continue
            await store.pool.execute(
                f"DELETE FROM {store.schema}.relay_parked WHERE relay = $1 AND position = $2", relay, row["position"]
            )
            published.append(row["position"])
            log.info("relay.parked_event_published", position=row["position"], event_id=str(envelope.id))
    finally:
        await producer.stop()
    return published, failed


async def _commit_without_flush_wait(conn: asyncpg.Connection) -> None:
    """The relay's own writes (checkpoint, parked events) need not wait for the disk: the tails read from the topic
    on taking the lead make up for a checkpoint lost in a crash of PostgreSQL."""
    await conn.execute("SET synchronous_commit = off")


async def _abort(producer: AIOKafkaProducer) -> None:
    try:
        await producer.abort_transaction()
    except KafkaError as e:
        log.warning("relay.abort_failed", error=str(e), error_type=type(e).__name__)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
