"""How far the shared facts are behind the topics, measured by every replica (readiness and first build).

The lag is the sum over every partition of the three topics of its end offset minus the next offset stored
with the facts: the whole group's lag, since any replica answers for every partition. Until the facts have
once caught up with the topics (the end offsets seen when this replica first looked), they are being built
and the figures are not answered.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import structlog
from aiokafka.errors import KafkaError

from services.reporting.adapters.consumer import source_topics, topic_partitions
from services.reporting.adapters.store import FactStore
from services.reporting.service_layer.mirror import Mirror
from services.reporting.settings import ReportingSettings
from shared.kafka import make_consumer, stop_consumer

log = structlog.get_logger(__name__)

TIMEOUT = 3.0


class LagMonitor:
    """Measures the lag every `reporting_lag_check_seconds`; records whether Kafka answered."""

    def __init__(self, settings: ReportingSettings, store: FactStore, pool: asyncpg.Pool, mirror: Mirror) -> None:
        self.settings = settings
        self.store = store
        self.pool = pool
        self.mirror = mirror
        self.lag: int | None = None
        self.kafka_ok = False
        self.kafka_error: str | None = "not checked yet"
        self.checked_at: float | None = None
        self._target: dict[tuple[str, int], int] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Measure until `stop` is set."""
        consumer = make_consumer(self.settings, None, [], request_timeout_ms=int(TIMEOUT * 1000) + 2000)
        await consumer.start()
        try:
            while not stop.is_set():
                await self.check(consumer)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.reporting_lag_check_seconds)
                except TimeoutError:
                    pass
        finally:
            await stop_consumer(consumer)

    async def check(self, consumer) -> None:
        """One measurement."""
        try:
            end = await asyncio.wait_for(self._end_offsets(consumer), timeout=TIMEOUT)
        except (KafkaError, OSError, TimeoutError) as e:
            self.kafka_ok, self.kafka_error = False, str(e) or type(e).__name__
            return
        self.kafka_ok, self.kafka_error = True, None
        try:
            async with self.pool.acquire() as conn:
                stored = await self.store.offsets(conn)
                state = await self.store.state(conn)
                self.lag = sum(max(0, n - stored.get(key, 0)) for key, n in end.items())
                if not state.caught_up:
                    target = self._target = self._target or end
                    if all(stored.get(key, 0) >= n for key, n in target.items()):
                        await self.store.mark_caught_up(conn)
                        self.mirror.caught_up = True
                        log.info("reporting.caught_up", lag=self.lag)
                else:
                    self.mirror.caught_up = True
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
            log.warning("reporting.lag_check_failed", error=str(e))
            return
        self.checked_at = time.monotonic()

    async def _end_offsets(self, consumer) -> dict[tuple[str, int], int]:
        partitions = await topic_partitions(consumer, source_topics(self.settings))
        if not partitions:
            raise KafkaError("the topics have no partitions yet")
        end = await consumer.end_offsets(partitions)
        return {(tp.topic, tp.partition): n for tp, n in end.items()}
