"""Consumer runtime for services reacting to other services' events (aiokafka).

Batches. The records one poll returns for a partition are applied in one database transaction (cut into several
when it runs longer than `transaction_seconds`, since the store's append lock is held from a transaction's first
append to its commit): each record's event id is recorded as processed together with its handler's writes, so an
effect is applied once even when Kafka redelivers, and a failing record is rolled back alone, without losing the
others. Records first run without a savepoint each (two round trips fewer per record); when one fails, the
transaction is rolled back and the same records are applied again with a savepoint per record, the failing one
isolated by its own. The Kafka offset is committed only after the transaction commits. A run of consecutive events
whose handler is a `BatchedHandler` is recorded as processed in one statement and applied by one call of its batch
handler (one read and one append for the run instead of round trips per record); should that call fail, the records
are applied one by one as above, and only the failing one goes to the dead-letter topic.

Failures, by kind:
- transient (PostgreSQL restarting or overloaded, a cancelled statement, the network: `shared.transient`): the
  transaction is rolled back and retried with backoff until it passes; nothing is dead-lettered;
- malformed records, broken rules, invalid payloads, or an unexpected error still failing after `max_attempts`
  tries: the record goes to the dead-letter topic with its error in the headers, and the batch goes on
  (`python -m services.<name> dlq replay` applies dead letters again through the normal handler);
- an event of a NEWER schema version than this consumer's registry knows: nothing is lost and nothing skipped: its
  partition is paused at that record and retried with backoff (up to `pause_max_seconds`), with an error log line
  naming the upgrade needed and the `ali_consumer_upgrade_needed` metric, until a consumer that knows the version
  (an upgraded release) handles it;
- the handler raises `Parked(key, reason)`: the event waits in the service's schema until a later event declares
  the key satisfied (`shared.parking`).

Rebalances. A `ConsumerRebalanceListener` makes a revocation wait for the batch in flight: the batch stops at the
next record boundary, commits its transaction and its offset (still allowed while the rebalance is prepared), and
only then is the partition handed over. A commit that fails anyway (`CommitFailedError`, `IllegalStateError`: the
group moved on) is logged: the new owner gets the records again and skips them by their processed ids, so no
effect is doubled and none is lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from prometheus_client import Counter, Gauge
from pydantic import ValidationError
from tenacity.wait import wait_base, wait_exponential

from shared.envelope import Envelope
from shared.errors import DomainError, EnvelopeError, NewerSchemaVersion, Parked
from shared.events import EventRegistry
from shared.kafka import stop_consumer
from shared.parking import ParkingLot
from shared.transient import TRANSIENT_ERRORS, is_transient

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, asyncpg.Connection], Awaitable[None]]
BatchHandler = Callable[[Sequence[Envelope], asyncpg.Connection], Awaitable[None]]
KeysOf = Callable[[Envelope], Iterable[str]]

PERMANENT_ERRORS: tuple[type[BaseException], ...] = (EnvelopeError, DomainError, ValidationError)
__all__ = ["TRANSIENT_ERRORS", "PERMANENT_ERRORS", "BatchedHandler", "EventConsumer", "Parked", "BatchResult"]

EVENTS = Counter("ali_consumer_events", "Consumed events by outcome", ["consumer", "outcome"])
UPGRADE_NEEDED = Gauge(
    "ali_consumer_upgrade_needed",
    "Partitions paused on an event of a schema version newer than this consumer knows",
    ["consumer", "event_type", "version"],
)


@dataclass(frozen=True)
class BatchedHandler:
    """A handler that can also apply a run of consecutive events of its type at once.

    `many(envelopes, conn)` must have the effect of `one` applied to each envelope in turn (the runtime has recorded
    them as processed); when it cannot (an event it would refuse, two events it cannot decide together) it raises,
    and the runtime rolls the transaction back and applies the records one by one, each in a savepoint of its own.
    """

    one: Handler
    many: BatchHandler

    async def __call__(self, envelope: Envelope, conn: asyncpg.Connection) -> None:
        await self.one(envelope, conn)


@dataclass
class BatchResult:
    """What applying a run of records did; `done` records (a prefix) need no more work."""

    done: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    parked: int = 0
    ignored: int = 0
    newer: NewerSchemaVersion | None = None
    failures: list[tuple[ConsumerRecord, BaseException]] = field(default_factory=list)


@dataclass
class _Chunk:
    """One transaction's worth of work, merged into the batch result only after the commit."""

    result: BatchResult = field(default_factory=BatchResult)
    dead_letters: list[tuple[ConsumerRecord, BaseException, int]] = field(default_factory=list)
    kill: bool = False


class _Redo(Exception):  # noqa: N818 - a signal inside the runtime, never raised out of it
    """A record failed in a transaction run without savepoints: roll it back and apply the records again with them.

    `index` is None when a batch handler failed: which of its records failed is not known.
    """

    def __init__(self, index: int | None, error: BaseException) -> None:
        super().__init__(f"record {index} failed: {type(error).__name__}")
        self.index = index
        self.error = error


class _Rebalance(ConsumerRebalanceListener):
    """Lets the batch in flight finish and commit before its partitions are handed over."""

    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked) -> None:
        self.consumer.revoking = set(revoked)
        try:
            async with self.consumer.batch_lock:
                self.consumer.forget(revoked)
        finally:
            self.consumer.revoking = set()
        log.info("consumer.partitions_revoked", consumer=self.consumer.name, partitions=_names(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        log.info("consumer.partitions_assigned", consumer=self.consumer.name, partitions=_names(assigned))


class EventConsumer:
    """Consumes topics for one consumer group and applies each event's effect exactly once."""

    def __init__(
        self,
        *,
        name: str,
        consumer: AIOKafkaConsumer | None,
        dlq_producer: AIOKafkaProducer,
        dlq_topic: str,
        pool: asyncpg.Pool,
        schema: str,
        handlers: Mapping[str, Handler],
        registry: EventRegistry | None = None,
        parking: ParkingLot | None = None,
        satisfies: Mapping[str, KeysOf] | None = None,
        max_attempts: int = 5,
        kill_after_records: int = 0,
        retry_wait: wait_base | None = None,
        transaction_seconds: float = 0.1,
        pause_max_seconds: float = 60.0,
        batch_records: int = 500,
    ) -> None:
        if registry is None:
            from shared.contracts import REGISTRY

            registry = REGISTRY
        self.name = name
        self.consumer = consumer
        self.dlq_producer = dlq_producer
        self.dlq_topic = dlq_topic
        self.pool = pool
        self.schema = schema
        self.handlers = dict(handlers)
        self.registry = registry
        self.parking = parking or ParkingLot(schema)
        self.parking.register(name, self.handlers, satisfies or {})
        self.max_attempts = max_attempts
        self.kill_after_records = kill_after_records
        self.retry_wait = retry_wait or wait_exponential(multiplier=0.2, max=30)
        self.transaction_seconds = transaction_seconds
        self.pause_max_seconds = pause_max_seconds
        self.batch_records = batch_records
        self._parsed: dict[int, Envelope | EnvelopeError] = {}  # the records of the transaction in progress
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.parked = 0
        self.last_poll: float | None = None
        self.batch_lock = asyncio.Lock()
        self.revoking: set[TopicPartition] = set()
        self._paused_until: dict[TopicPartition, float] = {}
        self._pause_attempts: dict[TopicPartition, int] = {}
        self._upgrade_labels: dict[TopicPartition, tuple[str, str, str]] = {}

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        """The listener to subscribe with (`consumer.subscribe(topics, listener=...)`)."""
        return _Rebalance(self)

    # ------------------------------------------------------------------ Kafka loop

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then commit and leave the group."""
        assert self.consumer is not None
        try:
            while not stop.is_set():
                self._resume_due()
                batches = await self.consumer.getmany(timeout_ms=500)
                self.last_poll = time.monotonic()
                done: dict[TopicPartition, int] = {}
                for tp, records in batches.items():
                    if stop.is_set():
                        break
                    async with self.batch_lock:
                        if (offset := await self._consume(tp, records, stop)) is not None:
                            done[tp] = offset
                if done:
                    # One offset commit for every partition of the poll (a request to the broker each, else).
                    async with self.batch_lock:
                        await self._commit(done)
        finally:
            await stop_consumer(self.consumer)
            for labels in self._upgrade_labels.values():
                UPGRADE_NEEDED.labels(*labels).set(0)
            log.info(
                "consumer.stopped",
                consumer=self.name,
                applied=self.applied,
                duplicates=self.duplicates,
                dead_lettered=self.dead_lettered,
                parked=self.parked,
            )

    async def _consume(self, tp: TopicPartition, records: list[ConsumerRecord], stop: asyncio.Event) -> int | None:
        """Apply a partition's records; the offset to commit for it (None: nothing done)."""
        if tp in self.revoking or tp not in self.consumer.assignment() or tp in self._paused_until:
            return None  # handed over (its new owner starts at the committed offset) or paused (seeked back)
        result = await self.apply(records, interrupt=lambda: stop.is_set() or tp in self.revoking)
        if result.done:
            if self._pause_attempts.pop(tp, None) is not None:
                UPGRADE_NEEDED.labels(*self._upgrade_labels.pop(tp)).set(0)
        if result.newer is not None:
            self._pause(tp, records[result.done], result.newer)
        elif result.done < len(records) and tp in self.consumer.assignment() and tp not in self.revoking:
            # Interrupted: the fetch position is past the batch; go back so that nothing is skipped.
            self.consumer.seek(tp, records[result.done].offset)
        return records[result.done - 1].offset + 1 if result.done else None

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit the offsets of the partitions still owned (one handed over meanwhile is its new owner's)."""
        owned = self.consumer.assignment()
        offsets = {tp: o for tp, o in offsets.items() if tp in owned and tp not in self.revoking}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as e:
            # The group moved on: the records are redelivered to the new owner and skipped there as processed.
            partitions = sorted(tp.partition for tp in offsets)
            log.warning("consumer.commit_failed", consumer=self.name, partitions=partitions, error=str(e))

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop what this consumer kept about partitions it no longer owns."""
        for tp in partitions:
            self._paused_until.pop(tp, None)
            if self._pause_attempts.pop(tp, None) is not None:
                UPGRADE_NEEDED.labels(*self._upgrade_labels.pop(tp)).set(0)

    def _pause(self, tp: TopicPartition, record: ConsumerRecord, newer: NewerSchemaVersion) -> None:
        attempt = self._pause_attempts.get(tp, 0) + 1
        self._pause_attempts[tp] = attempt
        delay = min(self.pause_max_seconds, 0.5 * 2 ** (attempt - 1))
        self.consumer.pause(tp)
        self.consumer.seek(tp, record.offset)
        self._paused_until[tp] = time.monotonic() + delay
        labels = (self.name, newer.event_type, str(newer.version))
        self._upgrade_labels[tp] = labels
        UPGRADE_NEEDED.labels(*labels).set(1)
        log.error(
            "consumer.upgrade_needed",
            consumer=self.name,
            topic=tp.topic,
            partition=tp.partition,
            offset=record.offset,
            event_type=newer.event_type,
            event_version=newer.version,
            known_version=newer.known,
            retry_in=delay,
            message=f"{newer}; partition {tp.partition} of {tp.topic} waits at offset {record.offset}",
        )

    def _resume_due(self) -> None:
        now = time.monotonic()
        for tp, due in list(self._paused_until.items()):
            if now >= due:
                del self._paused_until[tp]
                if tp in self.consumer.assignment():
                    self.consumer.resume(tp)

    # ------------------------------------------------------------------ applying records

    async def handle_record(self, record: ConsumerRecord) -> BatchResult:
        """Apply one record (a batch of one)."""
        return await self.apply([record])

    async def apply(
        self,
        records: list[ConsumerRecord],
        interrupt: Callable[[], bool] = lambda: False,
        *,
        dead_letter: bool = True,
    ) -> BatchResult:
        """Apply a run of records of one partition, in order; stops early at an interruption or a newer version.

        Records that cannot be handled go to the dead-letter topic (or, with `dead_letter=False`, a replay of dead
        letters, are only reported in `failures`).
        """
        result = BatchResult()
        while result.done < len(records) and result.newer is None:
            chunk = await self._chunk_with_retries(records, result.done, interrupt)
            if chunk is None:
                break  # interrupted while waiting out a transient failure
            for record, error, attempts in chunk.dead_letters:
                if dead_letter:
                    await self.dead_letter(record, error, attempts=attempts)
                result.failures.append((record, error))
            r = chunk.result
            result.done += r.done
            result.applied += r.applied
            result.duplicates += r.duplicates
            result.dead_lettered += r.dead_lettered
            result.parked += r.parked
            result.ignored += r.ignored
            result.newer = r.newer
            self.applied += r.applied
            self.duplicates += r.duplicates
            self.parked += r.parked
            for outcome in ("applied", "duplicates", "parked", "ignored"):
                if n := getattr(r, outcome):
                    EVENTS.labels(self.name, outcome).inc(n)
            if chunk.kill:
                # Fault injection for the crash test: die after the effects committed, before the offset.
                log.warning("consumer.fault_injection_kill", consumer=self.name, applied=self.applied)
                os.kill(os.getpid(), signal.SIGKILL)
            if interrupt():
                break
        return result

    async def _chunk_with_retries(
        self, records: list[ConsumerRecord], start: int, interrupt: Callable[[], bool]
    ) -> _Chunk | None:
        attempt = 0
        # None: records run without savepoints; else each has its own, and the failures seen so far (by index)
        # are not tried again in vain.
        failed: dict[int, BaseException] | None = None
        while True:
            try:
                return await self._chunk(records, start, interrupt, failed)
            except _Redo as redo:
                failed = {**(failed or {}), **({} if redo.index is None else {redo.index: redo.error})}
                if redo.index is None:
                    log.info(
                        "consumer.batch_applied_one_by_one",
                        consumer=self.name,
                        error=str(redo.error),
                        error_type=type(redo.error).__name__,
                    )
                elif not isinstance(redo.error, (*PERMANENT_ERRORS, Parked, NewerSchemaVersion)):
                    log.warning(
                        "consumer.retry",
                        consumer=self.name,
                        error=str(redo.error),
                        error_type=type(redo.error).__name__,
                        attempts=1,
                        transient=False,
                    )
                    await asyncio.sleep(self.retry_wait(_RetryState(1)))
            except Exception as e:
                if not is_transient(e):
                    raise
                attempt += 1
                wait = self.retry_wait(_RetryState(attempt))
                log.warning(
                    "consumer.retry",
                    consumer=self.name,
                    error=str(e) or type(e).__name__,
                    error_type=type(e).__name__,
                    attempts=attempt,
                    transient=True,
                    retry_in=round(wait, 2),
                )
                await asyncio.sleep(wait)
                if interrupt():
                    return None

    async def _chunk(
        self,
        records: list[ConsumerRecord],
        start: int,
        interrupt: Callable[[], bool],
        failed: dict[int, BaseException] | None = None,
    ) -> _Chunk:
        """One transaction over records[start:...], cut at the time budget, an interruption or a newer version.

        Without `failed`, records run without savepoints and the first failure raises `_Redo`; with it, each record
        has a savepoint, and those in `failed` start from the error they already met.
        """
        chunk = _Chunk()
        r = chunk.result
        began = time.monotonic()
        self._parsed = {}
        if ignored := self._ignored_run(records, start):
            # Events this consumer does not react to: done without a connection or a transaction.
            r.done = r.ignored = ignored
            return chunk
        async with self.pool.acquire() as conn, conn.transaction():
            index = start
            while index < len(records):
                run = self._batch_at(records, index, self._run_limit(r)) if failed is None else None
                if run is not None:
                    handler, envelopes = run
                    await self._apply_batch(conn, handler, envelopes, chunk)
                    r.done += len(envelopes)
                    index += len(envelopes)
                else:
                    record = records[index]
                    if failed is None:
                        outcome = await self._one_unguarded(conn, record, chunk, index)
                    else:
                        outcome = await self._one(conn, record, chunk, failed.get(index))
                    if outcome == "newer":
                        break
                    r.done += 1
                    index += 1
                if self.kill_after_records and self.applied + self.duplicates + r.applied + r.duplicates >= (
                    self.kill_after_records
                ):
                    chunk.kill = True
                    break
                if interrupt() or time.monotonic() - began > self.transaction_seconds:
                    break
        return chunk

    def _ignored_run(self, records: list[ConsumerRecord], start: int) -> int:
        """How many records from `start` are CloudEvents of a type this consumer has no handler for.

        Their type is read from their headers, their value is not read: most records of a topic are of types a
        given consumer does not react to, and decoding them was most of its work. A record of such a type with a
        malformed value is dead-lettered by the consumers that react to its type."""
        count = 0
        for record in records[start:]:
            kind = Envelope.type_in_headers(record.headers)
            if kind is None or kind in self.handlers:
                break
            count += 1
        return count

    def _run_limit(self, r: BatchResult) -> int:
        """The most records a batched handler may take now: `batch_records`, and no further than the record after
        which the fault injection kills the process (so that it dies exactly there)."""
        if not self.kill_after_records:
            return self.batch_records
        counted = self.applied + self.duplicates + r.applied + r.duplicates
        return min(self.batch_records, max(1, self.kill_after_records - counted))

    def _batch_at(
        self, records: list[ConsumerRecord], start: int, limit: int
    ) -> tuple[BatchedHandler, list[Envelope]] | None:
        """The run of records from `start` that one batched handler takes (at least two readable records of its
        type, of a version it knows, at most `limit`), or None."""
        handler: BatchedHandler | None = None
        envelopes: list[Envelope] = []
        for record in records[start : start + limit]:
            envelope = self._parse(record)
            if isinstance(envelope, EnvelopeError):
                break
            found = self.handlers.get(envelope.type)
            known = self.registry.known_version(envelope.type)
            if not isinstance(found, BatchedHandler) or (handler is not None and found is not handler):
                break
            if known is not None and envelope.schema_version > known:
                break
            handler = found
            envelopes.append(envelope)
        return (handler, envelopes) if handler is not None and len(envelopes) > 1 else None

    async def _apply_batch(
        self, conn: asyncpg.Connection, handler: BatchedHandler, envelopes: list[Envelope], chunk: _Chunk
    ) -> None:
        """Record a run of events as processed and apply those not processed before with one call of the batched
        handler; a failure but a transient one raises `_Redo` (the records are then applied one by one)."""
        try:
            claimed = {
                row["event_id"]
                for row in await conn.fetch(
                    f"""INSERT INTO {self.schema}.processed_events (consumer, event_id)
                        SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id""",
                    self.name,
                    [e.id for e in envelopes],
                )
            }
            fresh = []
            for envelope in envelopes:
                if envelope.id in claimed:
                    claimed.discard(envelope.id)  # an event repeated in the run is applied once
                    fresh.append(envelope)
            if fresh:
                await handler.many(fresh, conn)
                await self.parking.release_many(conn, self.name, fresh)
        except TRANSIENT_ERRORS:
            raise
        except Exception as e:
            if is_transient(e):
                raise
            raise _Redo(None, e) from e
        chunk.result.applied += len(fresh)
        chunk.result.duplicates += len(envelopes) - len(fresh)

    def _parse(self, record: ConsumerRecord) -> Envelope | EnvelopeError:
        """The record's envelope (or why it is none), read once per transaction."""
        parsed = self._parsed.get(id(record))
        if parsed is None:
            try:
                parsed = Envelope.from_kafka(record.value, record.headers)
            except EnvelopeError as e:
                parsed = e
            self._parsed[id(record)] = parsed
        return parsed

    def _read(self, record: ConsumerRecord, chunk: _Chunk) -> tuple[str | None, Envelope | None, Handler | None]:
        """The record's envelope and handler, or the outcome when there is nothing to run."""
        r = chunk.result
        envelope = self._parse(record)
        if isinstance(envelope, EnvelopeError):
            chunk.dead_letters.append((record, envelope, 1))
            r.dead_lettered += 1
            return "dead_lettered", None, None
        handler = self.handlers.get(envelope.type)
        if handler is None:
            r.ignored += 1
            return "ignored", None, None  # an event this consumer does not react to
        known = self.registry.known_version(envelope.type)
        if known is not None and envelope.schema_version > known:
            r.newer = NewerSchemaVersion(envelope.type, envelope.schema_version, known)
            return "newer", None, None
        return None, envelope, handler

    async def _claim_and_apply(self, conn: asyncpg.Connection, envelope: Envelope, handler: Handler) -> bool:
        """Record the event as processed and run its handler; False when it was processed before (a redelivery)."""
        first = await conn.fetchval(
            f"""INSERT INTO {self.schema}.processed_events (consumer, event_id) VALUES ($1, $2)
                ON CONFLICT DO NOTHING RETURNING true""",
            self.name,
            envelope.id,
        )
        if not first:
            return False
        await handler(envelope, conn)
        await self.parking.release_all(conn, self.name, envelope)
        return True

    async def _one_unguarded(self, conn: asyncpg.Connection, record: ConsumerRecord, chunk: _Chunk, index: int) -> str:
        """Apply one record without a savepoint; any failure but a transient one raises `_Redo`."""
        outcome, envelope, handler = self._read(record, chunk)
        if outcome is not None:
            return outcome
        try:
            if not await self._claim_and_apply(conn, envelope, handler):
                chunk.result.duplicates += 1
                return "duplicate"
        except TRANSIENT_ERRORS:
            raise
        except Exception as e:
            if is_transient(e):
                raise
            raise _Redo(index, e) from e
        chunk.result.applied += 1
        return "applied"

    async def _one(
        self, conn: asyncpg.Connection, record: ConsumerRecord, chunk: _Chunk, failed: BaseException | None = None
    ) -> str:
        """Apply one record in a savepoint of its own; `failed`: the error it met in a run without savepoints."""
        r = chunk.result
        outcome, envelope, handler = self._read(record, chunk)
        if outcome is not None:
            return outcome
        if isinstance(failed, PERMANENT_ERRORS):
            # Its outcome is known: the same records before it were applied again, in the same order.
            chunk.dead_letters.append((record, failed, 1))
            r.dead_lettered += 1
            return "dead_lettered"
        # An unexpected error met without a savepoint was the first attempt.
        attempts = 0 if failed is None or isinstance(failed, (Parked, NewerSchemaVersion)) else 1
        while True:
            attempts += 1
            try:
                async with conn.transaction():
                    if not await self._claim_and_apply(conn, envelope, handler):
                        r.duplicates += 1
                        return "duplicate"
                r.applied += 1
                return "applied"
            except Parked as parked:
                async with conn.transaction():
                    waiting = await self.parking.park(
                        conn,
                        self.name,
                        envelope,
                        parked,
                        topic=getattr(record, "topic", None),
                        partition=getattr(record, "partition", None),
                        offset=getattr(record, "offset", None),
                    )
                if waiting:
                    r.parked += 1
                    return "parked"
                r.applied += 1
                return "applied"
            except NewerSchemaVersion as e:
                r.newer = e
                return "newer"
            except TRANSIENT_ERRORS:
                raise
            except PERMANENT_ERRORS as e:
                chunk.dead_letters.append((record, e, attempts))
                r.dead_lettered += 1
                return "dead_lettered"
            except Exception as e:  # noqa: BLE001 - unexpected: a bounded number of tries, then the dead-letter topic
                if is_transient(e):
                    raise
                log.warning(
                    "consumer.retry",
                    consumer=self.name,
                    error=str(e),
                    error_type=type(e).__name__,
                    attempts=attempts,
                    transient=False,
                )
                if attempts >= self.max_attempts:
                    chunk.dead_letters.append((record, e, attempts))
                    r.dead_lettered += 1
                    return "dead_lettered"
                await asyncio.sleep(self.retry_wait(_RetryState(attempts)))

    async def dead_letter(self, record: ConsumerRecord, error: BaseException, *, attempts: int) -> None:
        """Send the record, untouched, to the dead-letter topic with the error in its headers."""
        headers = [(k, v) for k, v in (record.headers or []) if not k.startswith("dlq_")] + [
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
        EVENTS.labels(self.name, "dead_lettered").inc()
        log.error(
            "consumer.dead_lettered",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error),
            error_type=type(error).__name__,
        )


@dataclass
class _RetryState:
    """The part of tenacity's retry state its wait strategies read."""

    attempt_number: int


def _names(partitions: Iterable[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in partitions)
