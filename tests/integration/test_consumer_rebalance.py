"""Consumers of one group joining, leaving and dying while events flow: every event's effect exactly once."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid

import asyncpg
import pytest

from shared.eventstore import PostgresEventStore, Tracing
from shared.kafka import ensure_topics
from tests.builders import enrolment
from tests.support import ServiceProcess, service_env, wait_until

pytestmark = pytest.mark.integration

RATE = 40  # enrolments per second, until every step is done


async def _enrol_steadily(store: PostgresEventStore, rate: float, done: asyncio.Event) -> int:
    """Enrol people at `rate` per second until `done`; returns how many."""
    start = time.monotonic()
    n = 0
    while not done.is_set():
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        beneficiary = uuid.uuid4()
        event = enrolment(beneficiary_id=beneficiary, agency_id="ali-stains", commune_code="93072")
        stream = f"beneficiary-{beneficiary}"
        await store.append(stream, 0, [event], partition_key=str(beneficiary), tracing=Tracing.new())
        n += 1
    return n


async def _counts(pool: asyncpg.Pool, schema: str) -> tuple[int, int, int, int]:
    """(read-model rows, AccompanimentOpened events, people with events, processed ids) in accompaniment's schema."""
    opened = "ali.accompaniment.AccompanimentOpened"
    try:
        return (
            await pool.fetchval(f"SELECT count(*) FROM {schema}.accompaniments"),
            await pool.fetchval(f"SELECT count(*) FROM {schema}.events WHERE type = $1", opened),
            await pool.fetchval(f"SELECT count(DISTINCT partition_key) FROM {schema}.events"),
            await pool.fetchval(f"SELECT count(*) FROM {schema}.processed_events"),
        )
    except asyncpg.UndefinedTableError:
        return 0, 0, 0, 0


def _events(process: ServiceProcess, name: str) -> list[dict]:
    return [json.loads(line) for line in process.log_path.read_text().splitlines() if f'"{name}"' in line]


async def _assigned(process: ServiceProcess, times: int = 1) -> None:
    """Wait until the process's intake consumer was assigned partitions `times` times (it is in the group)."""

    async def seen():
        found = [e for e in _events(process, "consumer.partitions_assigned") if e["consumer"] == "intake-events"]
        return len([e for e in found if e["partitions"]]) >= times

    await wait_until(seen, timeout=120, message=f"{process.log_path.name} to join the group")


async def test_consumers_joining_and_leaving_mid_flow_apply_each_event_exactly_once(infra, pool, intake_pool, run_id):
    # Intake's store is made and written with intake's role, as the intake service does: its relay reads it.
    store = PostgresEventStore(intake_pool, f"{run_id}_intake", source="/ali/intake")
    await store.migrate()
    # Accompaniment also consumes placement's topic, which the placement service (not started here) would create.
    placement = infra.settings("placement", topic_suffix=run_id)
    await ensure_topics(placement, [placement.topic("placement.events")])
    tag = f"{run_id}-rebalance"
    relay = ServiceProcess("intake", "relay", service_env(infra, run_id), tag)
    # Small batches and short transactions: revocations land in the middle of batches.
    env = service_env(infra, run_id, consumer_batch_size=20, consumer_transaction_seconds=0.05)
    consumers: list[ServiceProcess] = []

    async def join() -> ServiceProcess:
        consumer = ServiceProcess("accompaniment", "consume", env, f"{tag}-{len(consumers)}")
        consumers.append(consumer)
        await _assigned(consumer)
        return consumer

    done = asyncio.Event()
    try:
        first = await join()
        flow = asyncio.create_task(_enrol_steadily(store, RATE, done))
        second = await join()
        await _assigned(first, times=2)  # the first gave up partitions to the second, mid-flow
        third = await join()
        first.stop()  # leaves the group cleanly (SIGTERM)
        await _assigned(second, times=3)
        await asyncio.sleep(3)
        second.stop(signal.SIGKILL)  # dies: its partitions move when its session times out
        await join()
        await _assigned(third, times=3)
        await asyncio.sleep(3)
        done.set()
        people = await flow

        async def all_applied():
            return (await _counts(pool, f"{run_id}_accompaniment"))[0] >= people

        await wait_until(all_applied, timeout=180, message=f"{people} accompaniments opened")
        await asyncio.sleep(3)  # a doubled effect, if any, would have landed by now
    finally:
        done.set()
        for consumer in consumers:
            consumer.stop()
        relay.stop()
    assert people > RATE * 10, "events flowed all along"
    assert await _counts(pool, f"{run_id}_accompaniment") == (people, people, people, people)
    assert not any('"worker.failed"' in c.log_path.read_text() for c in consumers), "no consumer crashed"
    stopped = [e for c in consumers for e in _events(c, "consumer.stopped") if e["consumer"] == "intake-events"]
    applied = sum(e["applied"] for e in stopped)
    assert applied <= people, "no effect applied twice (the killed consumer's count is lost with it)"
