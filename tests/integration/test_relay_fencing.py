"""Relay fencing: PostgreSQL restarted (fast shutdown) under two relays publishing a steady flow, and a leader whose
lock connection is cut: every event is on the topic exactly once.

The restart test runs on a PostgreSQL server of its own (started by the test from the stack's binaries), so that
restarting it disturbs no other test.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from shared.envelope import Envelope
from shared.eventstore import PostgresEventStore, Tracing
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay
from tests.builders import employer_registered
from tests.private_postgres import PrivatePostgres
from tests.support import ServiceProcess, envelope_ids, read_topic, relays_running, service_env, wait_until

pytestmark = pytest.mark.integration

RATE = 60  # events per second, steady
SECONDS = 25


async def _steady_writer(url: str, schema: str, count: int, rate: float) -> int:
    """Append `count` events at `rate` per second, riding out the restarts; returns the appends that failed for good."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    store = PostgresEventStore(pool, schema, source="/ali/intake")
    lost = 0
    try:
        start = time.monotonic()
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            stream = f"employer-{n}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    await store.append(
                        stream, 0, [employer_registered(n)], partition_key=f"k{n % 17}", tracing=Tracing.new()
                    )
                    break
                except asyncpg.UniqueViolationError:
                    break  # committed by an attempt whose answer was lost
                except Exception as e:  # noqa: BLE001 - the server is restarting: try again
                    if type(e).__name__ == "ConcurrencyError":
                        break  # committed by an attempt whose answer was lost
                    if time.monotonic() > deadline:
                        lost += 1
                        break
                    await asyncio.sleep(0.2)
    finally:
        pool.terminate()
    return lost


async def test_postgres_restarted_twice_under_two_relays_every_event_exactly_once(infra, settings, run_id):
    server = PrivatePostgres(run_id).start()
    try:
        schema = f"{run_id}_intake"
        # The relays log in with intake's role (from the secrets directory), which owns its schema, as on the stack.
        intake_role = infra.settings("intake").database_user
        assert intake_role, "intake's credentials name its database role"
        intake_url = server.add_service_role(intake_role)
        pool = await asyncpg.create_pool(intake_url, min_size=1, max_size=2)
        store = PostgresEventStore(pool, schema, source="/ali/intake")
        await store.migrate(intake_url)
        await pool.close()
        topic = settings.topic("intake.events")
        await ensure_topics(settings, [topic])
        env = service_env(infra, run_id) | {"DATABASE_URL": server.url, "ALI_RELAY_BATCH_SIZE": "50"}
        relays = [ServiceProcess("intake", "relay", env, f"{run_id}-fencing-{i}") for i in range(2)]
        try:

            async def leading():
                return any('"relay.leading"' in r.log_path.read_text() for r in relays)

            await wait_until(leading, timeout=90, message="a relay to lead before the flow starts")
            writer = asyncio.create_task(_steady_writer(intake_url, schema, RATE * SECONDS, RATE))
            for _ in range(2):
                await asyncio.sleep(SECONDS / 3)
                await asyncio.to_thread(server.restart_fast)
            lost = await writer

            async def relayed():
                conn = await asyncpg.connect(server.url)
                try:
                    head = await conn.fetchval(f"SELECT max(position) FROM {schema}.events")
                    done = await conn.fetchval(f"SELECT position FROM {schema}.relay_checkpoints")
                    return head if done == head else None
                finally:
                    await conn.close()

            await wait_until(relayed, timeout=120, message="the relays to catch up after the restarts")
            conn = await asyncpg.connect(server.url)
            stored = {r["event_id"] for r in await conn.fetch(f"SELECT event_id FROM {schema}.events")}
            await conn.close()
        finally:
            for relay in relays:
                relay.stop()
        records = await read_topic(settings, topic, idle=3)
        ids = [Envelope.from_kafka(r.value, r.headers).id for r in records]
        terms = sum(r.log_path.read_text().count('"relay.leading"') for r in relays)
        losses = sum(r.log_path.read_text().count('"relay.leadership_lost"') for r in relays)
    finally:
        server.remove()
    assert lost == 0
    assert len(stored) >= RATE * SECONDS
    assert len(ids) == len(set(ids)) == len(stored), "every event exactly once: distinct ids = records = stored"
    assert set(ids) == stored
    assert terms >= 3 and losses >= 2, "leadership was lost at each restart and taken again"


async def test_a_leader_whose_lock_connection_is_cut_stops_and_the_rest_is_published_once(pool, settings, run_id):
    store = PostgresEventStore(pool, f"{run_id}_intake", source="/ali/intake")
    await store.migrate()
    topic = settings.topic("fencing.events")
    await ensure_topics(settings, [topic])
    # The leader whose connection is cut may end with that error: only the events published count.
    async with relays_running(store, settings, topic, batch_size=20, tolerate_errors=True) as relays:
        for n in range(200):
            await store.append(f"a-{n}", 0, [employer_registered(n)], partition_key=f"k{n % 7}", tracing=Tracing.new())
        await wait_until(lambda: _any_leads(relays), timeout=30, message="a leader")
        leader = next(r for r in relays if not r.standby)
        # Cut the leader's lock connection from the server side, while events keep coming.
        cut = await pool.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_locks
               WHERE locktype = 'advisory' AND granted AND objid = hashtext($1)::oid""",
            leader.lock_name,
        )
        assert cut == 1
        for n in range(200, 400):
            await store.append(f"a-{n}", 0, [employer_registered(n)], partition_key=f"k{n % 7}", tracing=Tracing.new())

        async def caught_up():
            return await relays[0].checkpoint() == 400

        await wait_until(caught_up, timeout=60, message="the relays to publish all 400 events")
    ids = await envelope_ids(settings, topic)
    assert len(ids) == len(set(ids)) == 400
    assert sum(r.leader_terms for r in relays) >= 2


async def _any_leads(relays: list[OutboxRelay]) -> bool:
    return any(not r.standby for r in relays)
