"""Nothing lost for good: a newer event waits for the upgraded consumer; dead letters are replayed by command."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from shared.envelope import Envelope
from shared.kafka import ensure_topics
from shared.settings import PlatformSettings
from tests.fixtures.thing_service import topic
from tests.support import REPO, ServiceProcess, free_port, publish, read_topic, service_env, wait_until

pytestmark = pytest.mark.integration


def _thing(n: int, version: int, key: str) -> Envelope:
    data = {"n": n} | ({"note": "new field"} if version >= 2 else {})
    return Envelope(
        id=uuid.uuid4(),
        source="/ali/runtimetest",
        type="ali.runtimetest.Thing",
        time=datetime.now(UTC),
        dataschema=f"urn:ali:schema:runtimetest:Thing:v{version}",
        schema_version=version,
        stream_id=f"thing-{key}",
        stream_version=n,
        partition_key=key,
        correlation_id=uuid.uuid4(),
        data=data,
    )


async def _send(settings: PlatformSettings, envelopes: list[Envelope]) -> None:
    await publish(settings, topic(settings), envelopes)


async def _things(pool: asyncpg.Pool, schema: str) -> dict[int, tuple[int, int]]:
    try:
        rows = await pool.fetch(f"SELECT n, version, applied_by FROM {schema}.things")
    except asyncpg.UndefinedTableError:
        return {}
    return {r["n"]: (r["version"], r["applied_by"]) for r in rows}


def _thing_env(infra, run_id: str, schema: str, **extra: str) -> dict[str, str]:
    return service_env(infra, run_id) | {"THING_SCHEMA": schema} | {f"THING_{k.upper()}": v for k, v in extra.items()}


def _consumer(infra, run_id: str, schema: str, tag: str, **extra: str) -> ServiceProcess:
    env = _thing_env(infra, run_id, schema, **extra)
    return ServiceProcess("thing", "consume", env, tag, module="tests.fixtures.thing_service")


async def test_a_newer_event_pauses_its_partition_until_the_upgraded_consumer_handles_it(infra, pool, settings, run_id):
    schema = f"{run_id}_things"
    await ensure_topics(settings, [topic(settings), settings.topic("runtimetest.dlq")])
    # One person's events in order on one partition: 1 (v1), 2 (v2, newer than the consumer knows), 3 (v1).
    # Another key's event (on another partition, most likely) is not held up.
    same = "person-a"
    await _send(settings, [_thing(1, 1, same), _thing(2, 2, same), _thing(3, 1, same), _thing(4, 1, "person-b")])
    port = free_port()
    old = _consumer(infra, run_id, schema, f"{run_id}-v1", knows="1", metrics_port=str(port))
    try:

        async def retried_waiting_for_upgrade():
            # Paused, then retried with backoff (and paused again: this consumer still does not know v2).
            return old.log_path.read_text().count('"consumer.upgrade_needed"') >= 2

        await wait_until(retried_waiting_for_upgrade, timeout=90, message="the v1 consumer to report the upgrade")
        await wait_until(lambda: _has(pool, schema, {1}), timeout=30, message="event 1 applied")
        async with httpx.AsyncClient(timeout=5) as client:
            metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        things = await _things(pool, schema)
        log_line = next(line for line in old.log_path.read_text().splitlines() if "consumer.upgrade_needed" in line)
    finally:
        old.stop()
    assert 2 not in things and 3 not in things, "the newer event and the one after it wait; nothing is skipped"
    gauge = 'ali_consumer_upgrade_needed{consumer="things",event_type="ali.runtimetest.Thing",version="2"} 1.0'
    assert gauge in metrics
    assert "upgrade this service to a release that knows ali.runtimetest.Thing v2" in log_line
    assert await read_topic(infra.kafka, settings.topic("runtimetest.dlq"), idle=2) == []

    upgraded = _consumer(infra, run_id, schema, f"{run_id}-v2", knows="2")
    try:
        await wait_until(lambda: _has(pool, schema, {1, 2, 3, 4}), timeout=90, message="all four things applied")
    finally:
        upgraded.stop()
    things = await _things(pool, schema)
    assert things[2] == (2, 2) and things[3] == (1, 2), "the upgraded consumer applied the v2 event and the next one"
    assert things[1][1] == 1 and len(things) == 4


async def _has(pool: asyncpg.Pool, schema: str, ns: set[int]) -> bool:
    return ns <= set(await _things(pool, schema))


async def test_dead_letters_are_replayed_by_command_one_then_all_idempotently(infra, pool, settings, run_id):
    schema = f"{run_id}_things"
    dlq_topic = settings.topic("runtimetest.dlq")
    await ensure_topics(settings, [topic(settings), dlq_topic])
    tag = f"{run_id}-dlq"
    # A fault of the consumer (a bug, a bad configuration...) sends three good events to the dead-letter topic.
    failing = _consumer(infra, run_id, schema, tag, fail_when_flagged="1")
    envelopes = [_thing(n, 1, f"k{n}") for n in (1, 2, 3)]
    try:
        await wait_until(lambda: _table_exists(pool, f"{schema}.broken"), timeout=60, message="consumer ready")
        await pool.execute(f"INSERT INTO {schema}.broken VALUES (true)")
        await _send(settings, envelopes)
        dead = await read_topic(infra.kafka, dlq_topic, expect=3, timeout=90)
    finally:
        failing.stop()
    assert len(dead) == 3 and await _things(pool, schema) == {}
    assert {dict(r.headers)["dlq_error_type"] for r in dead} == {b"ValueError"}
    await pool.execute(f"DELETE FROM {schema}.broken")  # the fault is fixed

    def replay(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tests.fixtures.thing_service", "dlq", "replay", *args],
            cwd=REPO,
            env=_thing_env(infra, run_id, schema),
            capture_output=True,
            text=True,
            timeout=120,
        )

    help_text = replay("--help")
    assert help_text.returncode == 0 and "--event-id" in help_text.stdout and "--since" in help_text.stdout
    assert replay().returncode == 2, "no selection: a usage error, nothing replayed"
    one = replay("--event-id", str(envelopes[0].id))
    assert one.returncode == 0, one.stdout + one.stderr
    assert "1 selected" in one.stdout and "applied: 1" in one.stdout
    assert set(await _things(pool, schema)) == {1}
    dry = replay("--all", "--dry-run")
    assert "would replay: 3" in dry.stdout and set(await _things(pool, schema)) == {1}
    everything = replay("--all")
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert "applied: 2" in everything.stdout and "duplicates: 1" in everything.stdout
    again = replay("--since", "2000-01-01T00:00")
    assert "duplicates: 3" in again.stdout and "applied" not in again.stdout
    assert set(await _things(pool, schema)) == {1, 2, 3}
    # Replaying never writes new dead letters.
    assert len(await read_topic(infra.kafka, dlq_topic, idle=2)) == 3


async def _table_exists(pool: asyncpg.Pool, name: str) -> bool:
    return bool(await pool.fetchval("SELECT to_regclass($1)", name))
