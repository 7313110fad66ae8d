"""Event size: refused above the limit before it is stored; an event the broker refuses is parked, the relay goes on."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from aiokafka.admin import NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.errors import EventTooLarge
from shared.events import DomainEvent
from shared.eventstore import PostgresEventStore, Tracing
from shared.kafka import ensure_topics, make_admin
from shared.outbox import PARKED, OutboxRelay
from shared.service import ServiceRuntime
from shared.settings import PlatformSettings
from tests.support import REPO, read_topic, service_env, wait_until

pytestmark = pytest.mark.integration


class Noted(DomainEvent):
    """A test event whose size the test chooses."""

    context = "sizetest"
    n: int
    text: str


def _noted(n: int, size: int = 10) -> Noted:
    return Noted(n=n, text="x" * size)


async def _append(store: PostgresEventStore, n: int, size: int = 10) -> None:
    await store.append(f"s-{n}", 0, [_noted(n, size)], partition_key=f"k{n % 3}", tracing=Tracing.new())


async def test_an_event_above_the_limit_is_refused_before_anything_is_stored(store):
    await _append(store, 1, size=60_000)  # under 64 KiB
    with pytest.raises(EventTooLarge, match="au-delà de la limite de 65,536 octets"):
        await store.append("s-2", 0, [_noted(2), _noted(3, size=70_000)], partition_key="k", tracing=Tracing.new())
    assert [e.stream_id for e in await store.read_all(0, 10)] == ["s-1"], "nothing of the refused append is stored"


async def _topic_refusing_large_records(settings: PlatformSettings, topic: str, max_bytes: int) -> None:
    admin = make_admin(settings)
    await admin.start()
    try:
        replicas = settings.topic_replication_factor
        await admin.create_topics([NewTopic(topic, 3, replicas, topic_configs={"max.message.bytes": str(max_bytes)})])
    finally:
        await admin.close()


async def _allow_large_records(settings: PlatformSettings, topic: str) -> None:
    admin = make_admin(settings)
    await admin.start()
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": "1048588"})]
        )
    finally:
        await admin.close()


def _command(infra, run_id: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.intake", "outbox", *args],
        cwd=REPO,
        env=service_env(infra, run_id) | {"COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_an_event_the_broker_refuses_is_parked_retried_and_the_relay_goes_on(
    infra, intake_pool, settings, run_id
):
    # The store (made with intake's role) and topic of intake in this run, so that intake's admin command finds them.
    store = PostgresEventStore(intake_pool, f"{run_id}_intake", source="/ali/intake")
    await store.migrate()
    topic = settings.topic("intake.events")
    await _topic_refusing_large_records(settings, topic, max_bytes=4096)
    for n in range(1, 6):
        await _append(store, n)
    await _append(store, 6, size=20_000)  # accepted by the store (under 64 KiB), refused by this topic
    for n in range(7, 12):
        await _append(store, n)
    relay = OutboxRelay(store, settings, topic, batch_size=100, idle_wait=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await _append(store, 12)  # one more while it runs, after the parked one

        async def caught_up():
            return await relay.checkpoint() == 12

        await wait_until(caught_up, timeout=60, message="the relay to go past the refused event")
    finally:
        stop.set()
        await running
    records = await read_topic(settings, topic, idle=2)
    assert sorted(int(dict(r.headers)["ce_position"]) for r in records) == [n for n in range(1, 13) if n != 6]
    status = await relay.status()
    assert (status.parked, status.backlog) == (1, 0)
    assert PARKED.labels(store.schema)._value.get() == 1

    listing = await asyncio.to_thread(_command, infra, run_id, "parked")
    assert listing.returncode == 0, listing.stderr
    assert "MessageSizeTooLarge" in listing.stdout or "RecordTooLarge" in listing.stdout, listing.stdout
    assert "sizetest.Noted" in listing.stdout

    still = await asyncio.to_thread(_command, infra, run_id, "retry", "--all")
    assert still.returncode == 1 and "still refused: position 6" in still.stdout, still.stdout
    await _allow_large_records(settings, topic)
    retried = await asyncio.to_thread(_command, infra, run_id, "retry", "--position", "6")
    assert retried.returncode == 0 and "published again: 1 [6]" in retried.stdout, retried.stdout + retried.stderr
    records = await read_topic(settings, topic, idle=2)
    assert sorted(int(dict(r.headers)["ce_position"]) for r in records) == list(range(1, 13))
    assert (await relay.status()).parked == 0


async def test_readiness_reports_a_relay_with_a_backlog_and_no_progress(settings, run_id):
    stalled_after = settings.model_copy(update={"relay_stalled_seconds": 1.0})
    runtime = ServiceRuntime(stalled_after, context="stalltest", schema=f"{run_id}_stall")
    await runtime.connect()
    try:
        runtime.relay = OutboxRelay(runtime.store, stalled_after, runtime.topic)  # built, never started: stuck
        await _append(runtime.store, 1)
        assert (await runtime._relay_check()).get("ok", True), "a fresh backlog is not a stuck relay"
        await asyncio.sleep(1.5)
        check = await runtime._relay_check()
        assert check["ok"] is False and check["backlog"] == 1 and "stalled" in check["last_error"]
        await ensure_topics(stalled_after, [runtime.topic])
        await runtime.relay.publish_pending()
        check = await runtime._relay_check()
        assert check.get("ok", True) and check["backlog"] == 0
    finally:
        await runtime.stop()


def test_the_size_limit_is_a_setting():
    assert PlatformSettings().max_event_bytes == 64 * 1024
    assert PlatformSettings(max_event_bytes=1000).max_event_bytes == 1000
