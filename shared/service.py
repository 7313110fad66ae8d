"""Wiring common to the domain services: pool, event store, topics, outbox relay, consumers, health."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from shared import audit
from shared.consumer import BatchedHandler, EventConsumer, Handler
from shared.envelope import Envelope
from shared.events import DomainEvent, EventRegistry
from shared.eventstore import PostgresEventStore
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.migrations import AUDIT, EVENTSTORE, Migrations, upgrade
from shared.outbox import OutboxRelay
from shared.parking import ParkingLot
from shared.runtime import Supervisor
from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)

# How long a consumer waits for the topics it reads before reporting it (and trying again).
CONSUMED_TOPICS_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer of other contexts' topics: its name (also its group) and how to build its handlers.

    `handlers(runtime)` is called once the runtime has started, so handlers can use its store and pool.
    `satisfies` maps an event type to the parking keys (see shared.parking) an event of that type satisfies once
    handled: events parked on those keys by any consumer of the service are then applied.
    """

    name: str
    contexts: Sequence[str]
    handlers: Callable[[ServiceRuntime], Mapping[str, Handler]]
    satisfies: Mapping[str, Callable[[Envelope], Iterable[str]]] = field(default_factory=dict)
    # The contracts this consumer knows (newer versions pause); the platform's registry by default.
    registry: EventRegistry | None = None


def bind(
    deps: object, by_event: Mapping[type[DomainEvent], Callable[..., Awaitable[None]] | BatchedHandler]
) -> dict[str, Handler]:
    """A consumer's handlers: each reaction keyed by its event's type and given the service's dependencies (a
    `BatchedHandler(one, many)` of reactions stays one, both given them)."""

    def given(react):
        if isinstance(react, BatchedHandler):
            return BatchedHandler(partial(react.one, deps=deps), partial(react.many, deps=deps))
        return partial(react, deps=deps)

    return {event.event_type(): given(react) for event, react in by_event.items()}


@dataclass
class ServiceRuntime:
    """Everything a domain service needs at run time, started and stopped together."""

    settings: PlatformSettings
    context: str
    schema: str
    # The schema's own migration sets, applied after the event store's (shared/migrations).
    migrations: Sequence[Migrations] = ()
    consumers: Sequence[ConsumerSpec] = ()
    # Data migrations run after the schema ones and before any worker or route (e.g. a re-index).
    setup: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = ()
    pool: asyncpg.Pool | None = None
    store: PostgresEventStore | None = None
    producer: AIOKafkaProducer | None = None
    relay: OutboxRelay | None = None
    parking: ParkingLot | None = None
    supervisor: Supervisor = field(default_factory=Supervisor)
    running_consumers: dict[str, EventConsumer] = field(default_factory=dict)
    handlers: dict[str, Mapping[str, Handler]] = field(default_factory=dict)
    audit: audit.AuditTrail | None = None

    @property
    def topic(self) -> str:
        """This context's event topic."""
        return self.settings.topic(f"{self.context}.events")

    @property
    def dlq_topic(self) -> str:
        """This context's dead-letter topic."""
        return self.settings.topic(f"{self.context}.dlq")

    async def migrate(self) -> dict[str, str | None]:
        """Bring the schema to the head of the event store's and the service's migrations (under a lock)."""
        return await upgrade(self.settings.database_url, self.schema, EVENTSTORE, AUDIT, *self.migrations)

    async def connect(self) -> None:
        """Pool, migrated schema, store and the consumers' handlers: what commands outside the workers need too."""
        self.pool = await _connect(self.settings.database_url)
        await self.migrate()
        self.store = PostgresEventStore(
            self.pool,
            self.schema,
            source=f"/ali/{self.context}",
            max_event_bytes=self.settings.max_event_bytes,
            group_commit_units=self.settings.group_commit_units,
        )
        self.parking = ParkingLot(self.schema)
        self.audit = audit.PostgresAuditTrail(self.pool, self.schema)
        for spec in self.consumers:
            self.handlers[spec.name] = spec.handlers(self)
            self.parking.register(spec.name, self.handlers[spec.name], spec.satisfies)

    def event_consumer(self, spec: ConsumerSpec, kafka=None) -> EventConsumer:
        """The runtime of one consumer (without Kafka for a dead-letter replay)."""
        return EventConsumer(
            name=spec.name,
            consumer=kafka,
            dlq_producer=self.producer,
            dlq_topic=self.dlq_topic,
            pool=self.pool,
            schema=self.schema,
            handlers=self.handlers[spec.name],
            registry=spec.registry,
            parking=self.parking,
            satisfies=spec.satisfies,
            max_attempts=self.settings.consumer_max_attempts,
            kill_after_records=self.settings.fault_consumer_kill_after_records,
            transaction_seconds=self.settings.consumer_transaction_seconds,
            pause_max_seconds=self.settings.consumer_pause_max_seconds,
        )

    async def start(self, *, relay: bool = True, consumers: bool = True) -> None:
        """Connect, migrate, create topics and start the requested workers."""
        await self.connect()
        for step in self.setup:
            await step(self)
        # Its own topics only: a consumer waits for the topics of others (their owners create them).
        await ensure_topics(self.settings, [self.topic, self.dlq_topic])
        self.producer = make_producer(self.settings)
        await self.producer.start()
        if relay:
            self.relay = OutboxRelay(
                self.store,
                self.settings,
                self.topic,
                batch_size=self.settings.relay_batch_size,
                idle_wait=self.settings.relay_idle_wait_seconds,
                linger=self.settings.relay_linger_seconds,
                kill_after_batches=self.settings.fault_relay_kill_after_batches,
            )
            self.supervisor.start("outbox-relay", self.relay.run)
        if consumers:
            for spec in self.consumers:
                self.supervisor.start(f"consumer:{spec.name}", self._consumer_worker(spec))

    def _consumer_worker(self, spec: ConsumerSpec) -> Callable[[asyncio.Event], Awaitable[None]]:
        async def run(stop: asyncio.Event) -> None:
            topics = [self.settings.topic(f"{c}.events") for c in spec.contexts]
            # Another service's topic that does not exist yet fails this attempt (reported by /health/ready); the
            # supervisor tries again, so the consumer starts once the topic's owner has created it.
            await ensure_topics(self.settings, topics, timeout=CONSUMED_TOPICS_WAIT_SECONDS)
            kafka = make_consumer(self.settings, self.settings.group(f"{self.context}.{spec.name}"), [])
            consumer = self.event_consumer(spec, kafka)
            self.running_consumers[spec.name] = consumer
            await kafka.start()
            kafka.subscribe(
                [self.settings.topic(f"{c}.events") for c in spec.contexts], listener=consumer.rebalance_listener()
            )
            await consumer.run(stop)

        return run

    async def stop(self) -> None:
        """Stop workers, then clients."""
        await self.supervisor.shutdown()
        if self.producer is not None:
            await self.producer.stop()
        if self.pool is not None:
            await self.pool.close()

    async def readiness(self) -> dict:
        """Checks reported by `/health/ready`."""
        checks: dict[str, dict] = {"postgres": await postgres_check(self.pool)}
        try:
            await asyncio.wait_for(self.producer.client.fetch_all_metadata(), timeout=2)
            checks["kafka"] = {"ok": True}
        except Exception as e:  # noqa: BLE001 - any failure means "not ready", reported as such
            checks["kafka"] = {"ok": False, "error": str(e) or type(e).__name__}
        for name, state in self.supervisor.states.items():
            checks[name] = {"ok": state.running, "restarts": state.restarts, "last_error": state.last_error}
        if self.relay is not None:
            checks["outbox-relay"].update(await self._relay_check())
        for name, consumer in self.running_consumers.items():
            if (entry := checks.get(f"consumer:{name}")) is not None:
                entry.update(lag=_lag(consumer), parked=consumer.parked, dead_lettered=consumer.dead_lettered)
        return checks

    async def _relay_check(self) -> dict:
        """Leader or standby, backlog, parked events; not ok when a backlog waits with no progress (stuck relay)."""
        relay = self.relay
        entry: dict = {"role": "standby" if relay.standby else "leader"}
        if relay.last_success is not None:
            entry["seconds_since_success"] = round(time.monotonic() - relay.last_success, 1)
        try:
            status = await asyncio.wait_for(relay.status(), timeout=2)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as e:
            return entry | {"status_error": str(e) or type(e).__name__}
        entry.update(backlog=status.backlog, parked=status.parked)
        if status.stalled(self.settings.relay_stalled_seconds):
            entry["ok"] = False
            entry["last_error"] = (
                f"stalled: {status.backlog} events wait for {status.oldest_pending_seconds:.0f}s with no progress"
            )
        return entry


def _lag(consumer: EventConsumer) -> int | None:
    """Records behind the last fetched high-water mark, over the consumer's partitions (None before the first)."""
    kafka = consumer.consumer
    if kafka is None:
        return None
    total = 0
    for tp in kafka.assignment():
        highwater = kafka.highwater(tp)
        try:
            state = kafka._subscription.subscription.assignment.state_value(tp)  # noqa: SLF001 - no public getter
            position = state.position if state.has_valid_position else None
        except (AttributeError, KeyError):
            position = None
        if highwater is None or position is None:
            continue
        total += max(0, highwater - position)
    return total


async def postgres_check(pool: asyncpg.Pool | None) -> dict:
    """The `/health/ready` entry of PostgreSQL: answers `SELECT 1` within two seconds."""
    if pool is None:
        return {"ok": False, "error": "not connected"}
    try:
        # asyncpg's own time-outs: a query cancelled from outside (asyncio.wait_for) while PostgreSQL drops the
        # session can leave the pooled connection in a lost protocol state for the next request.
        async with pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1", timeout=2)
        return {"ok": True}
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as e:
        return {"ok": False, "error": str(e) or type(e).__name__}


async def _released(conn: asyncpg.Connection) -> None:
    """What a connection goes through when given back to the pool: nothing beyond asyncpg's own cleanup.

    asyncpg's default sends `RESET ALL; UNLISTEN *; CLOSE ALL; SELECT pg_advisory_unlock_all()` on every release, a
    round trip per request for state the services never leave on a pooled connection: their advisory locks are
    transaction-scoped, or taken and released in one block; LISTEN and the relay's session lock live on connections
    of their own (`pool_connector`). asyncpg still rolls back an open transaction and drops listeners before this
    runs."""


async def _connect(url: str) -> asyncpg.Pool:
    """A pool, waiting a little for a database that is still starting."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await asyncpg.create_pool(url, min_size=1, max_size=10, reset=_released)
        except (OSError, asyncpg.CannotConnectNowError) as e:
            if time.monotonic() > deadline:
                raise
            log.warning("postgres.waiting", error=str(e))
            await asyncio.sleep(1)
