"""Park and replay: consumed events whose prerequisite is missing wait in the service's schema until it arrives.

A handler raises `Parked(key, reason)` (shared.errors) when the event cannot be applied yet, e.g. a transfer or a
hire for a person whose enrolment has not arrived. The consumer runtime then, in the same database transaction:
takes a lock on the key, tries the handler once more (a satisfying event may have committed meanwhile), and else
stores the envelope with its key and reason in `parked_events` and records the event as processed (so that a
redelivery does not apply it a second time: only the replay will).

A consumer declares which keys an event satisfies (`ConsumerSpec.satisfies`); after such an event's handler
succeeds, the runtime takes the key's lock and replays every event parked on the key through its consumer's
handler, in the order they were parked, in the same transaction. The lock orders a park and a release on one key:
whichever commits second sees the other's work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import asyncpg
import structlog
from prometheus_client import Counter

from shared.envelope import Envelope
from shared.errors import Parked
from shared.transient import is_transient

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, asyncpg.Connection], object]
KeysOf = Callable[[Envelope], Iterable[str]]

PARKED_TOTAL = Counter("ali_consumer_parked_events", "Consumed events parked until a prerequisite", ["consumer"])
REPLAYED_TOTAL = Counter(
    "ali_consumer_unparked_events", "Parked events applied once their key was satisfied", ["consumer"]
)


class ParkingLot:
    """The parked events of one service schema, shared by all its consumers."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._handlers: dict[str, Mapping[str, Handler]] = {}
        self._satisfies: dict[str, Mapping[str, KeysOf]] = {}

    def register(self, consumer: str, handlers: Mapping[str, Handler], satisfies: Mapping[str, KeysOf]) -> None:
        """Let parked events of `consumer` be replayed through its handlers."""
        self._handlers[consumer] = handlers
        self._satisfies[consumer] = satisfies

    def keys_satisfied(self, consumer: str, envelope: Envelope) -> list[str]:
        """Keys that `envelope`, once applied by `consumer`, declares satisfied."""
        keys_of = self._satisfies.get(consumer, {}).get(envelope.type)
        return list(keys_of(envelope)) if keys_of else []

    def _lock_name(self, key: str) -> str:
        return f"ali-park-{self.schema}-{key}"

    async def _lock(self, conn: asyncpg.Connection, key: str) -> None:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", self._lock_name(key))

    async def park(
        self,
        conn: asyncpg.Connection,
        consumer: str,
        envelope: Envelope,
        parked: Parked,
        *,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
    ) -> bool:
        """Park `envelope` (True), or apply it if its prerequisite arrived meanwhile (False).

        Runs inside the caller's transaction; records the event as processed for `consumer` either way.
        """
        handler = self._handlers[consumer][envelope.type]
        await self._lock(conn, parked.key)
        await conn.execute(
            f"INSERT INTO {self.schema}.processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            consumer,
            envelope.id,
        )
        try:
            async with conn.transaction():
                await handler(envelope, conn)
                await self.release_all(conn, consumer, envelope)
            return False
        except Parked as again:
            if again.key != parked.key:
                await self._lock(conn, again.key)
            parked = again
        await conn.execute(
            f"""INSERT INTO {self.schema}.parked_events
                    (consumer, event_id, park_key, reason, envelope, topic, partition, "offset")
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (consumer, event_id) DO UPDATE SET park_key = excluded.park_key, reason = excluded.reason,
                    attempts = {self.schema}.parked_events.attempts + 1""",
            consumer,
            envelope.id,
            parked.key,
            parked.reason,
            envelope.model_dump_json(),
            topic,
            partition,
            offset,
        )
        PARKED_TOTAL.labels(consumer).inc()
        log.warning(
            "consumer.event_parked",
            consumer=consumer,
            event_id=str(envelope.id),
            event_type=envelope.type,
            key=parked.key,
            reason=parked.reason,
        )
        return True

    async def release_all(self, conn: asyncpg.Connection, consumer: str, envelope: Envelope, depth: int = 0) -> int:
        """Replay what the keys satisfied by `envelope` were holding; returns how many were applied."""
        applied = 0
        for key in self.keys_satisfied(consumer, envelope):
            applied += await self.release(conn, key, depth=depth)
        return applied

    async def release_many(self, conn: asyncpg.Connection, consumer: str, envelopes: Sequence[Envelope]) -> int:
        """`release_all` for a run of applied events: the keys' locks in one statement (in one order, so that two
        runs never wait for each other's), one read of what they hold, and a replay only of the keys holding events.
        """
        keys = sorted({key for envelope in envelopes for key in self.keys_satisfied(consumer, envelope)})
        if not keys:
            return 0
        await conn.execute(
            """SELECT count(pg_advisory_xact_lock(hashtext(k)))
               FROM (SELECT k FROM unnest($1::text[]) AS u(k) ORDER BY k) AS s""",
            [self._lock_name(key) for key in keys],
        )
        holding = await conn.fetch(
            f"SELECT DISTINCT park_key FROM {self.schema}.parked_events WHERE park_key = ANY($1::text[])", keys
        )
        applied = 0
        held = {row["park_key"] for row in holding}
        for key in keys:
            if key in held:
                applied += await self.release(conn, key)
        return applied

    async def release(self, conn: asyncpg.Connection, key: str, *, depth: int = 0) -> int:
        """Replay the events parked on `key`, in the order they were parked; returns how many were applied."""
        await self._lock(conn, key)
        rows = await conn.fetch(
            f"""SELECT consumer, event_id, envelope FROM {self.schema}.parked_events WHERE park_key = $1
                ORDER BY parked_at, event_id FOR UPDATE""",
            key,
        )
        applied = 0
        for row in rows:
            handler = self._handlers.get(row["consumer"], {})
            envelope = Envelope.model_validate_json(row["envelope"])
            if envelope.type not in handler:
                log.error("consumer.parked_without_handler", consumer=row["consumer"], event_type=envelope.type)
                continue
            try:
                async with conn.transaction():
                    await handler[envelope.type](envelope, conn)
                    await conn.execute(
                        f"DELETE FROM {self.schema}.parked_events WHERE consumer = $1 AND event_id = $2",
                        row["consumer"],
                        row["event_id"],
                    )
                    if depth < 8:
                        await self.release_all(conn, row["consumer"], envelope, depth + 1)
            except Parked as again:
                await self._requeue(conn, row, again.key, again.reason)
                continue
            except Exception as e:
                if is_transient(e):
                    raise
                # The satisfying event stays applied; this one stays parked with the error, for an operator.
                await self._requeue(conn, row, key, f"replay failed: {type(e).__name__}: {e}"[:4000])
                log.error(
                    "consumer.parked_replay_failed",
                    consumer=row["consumer"],
                    event_id=str(envelope.id),
                    error=str(e),
                    error_type=type(e).__name__,
                )
                continue
            applied += 1
            REPLAYED_TOTAL.labels(row["consumer"]).inc()
            log.info(
                "consumer.parked_event_applied",
                consumer=row["consumer"],
                event_id=str(envelope.id),
                event_type=envelope.type,
                key=key,
            )
        return applied

    async def _requeue(self, conn: asyncpg.Connection, row: asyncpg.Record, key: str, reason: str) -> None:
        await conn.execute(
            f"""UPDATE {self.schema}.parked_events SET park_key = $3, reason = $4, attempts = attempts + 1
                WHERE consumer = $1 AND event_id = $2""",
            row["consumer"],
            row["event_id"],
            key,
            reason,
        )

    async def list(self, pool: asyncpg.Pool) -> list[asyncpg.Record]:
        """Every parked event, oldest first."""
        return await pool.fetch(
            f"""SELECT consumer, event_id, park_key, reason, envelope->>'type' AS type, attempts, parked_at
                FROM {self.schema}.parked_events ORDER BY parked_at"""
        )
