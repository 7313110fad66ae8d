"""Real process kills of the outbox relay and of a consumer: nothing lost, nothing applied twice."""

from __future__ import annotations

import json
import signal
import uuid
from datetime import date

import asyncpg
import pytest

from shared.eventstore import PostgresEventStore, Tracing
from tests.builders import enrolment
from tests.support import ServiceProcess, read_topic, service_env, wait_until

pytestmark = pytest.mark.integration

PEOPLE = 600


async def _enrol_people(pool: asyncpg.Pool, schema: str, count: int) -> None:
    """Record `count` enrolments in intake's store, as intake does."""
    store = PostgresEventStore(pool, schema, source="/ali/intake")
    await store.migrate()
    for _ in range(count):
        beneficiary = uuid.uuid4()
        event = enrolment(beneficiary_id=beneficiary, orientation_date=date(2025, 3, 1), enrolled_on=date(2025, 3, 3))
        await store.append(
            f"beneficiary-{beneficiary}", 0, [event], partition_key=str(beneficiary), tracing=Tracing.new()
        )


async def _opened_accompaniments(pool: asyncpg.Pool, schema: str) -> tuple[int, int, int]:
    """(read-model rows, AccompanimentOpened events, distinct beneficiaries) in accompaniment's schema."""
    try:
        rows = await pool.fetchval(f"SELECT count(*) FROM {schema}.accompaniments")
        events = await pool.fetchval(
            f"SELECT count(*) FROM {schema}.events WHERE type = 'ali.accompaniment.AccompanimentOpened'"
        )
        people = await pool.fetchval(f"SELECT count(DISTINCT partition_key) FROM {schema}.events")
    except asyncpg.UndefinedTableError:
        return 0, 0, 0
    return rows, events, people


def _consumer_stats(process: ServiceProcess, consumer: str = "intake-events") -> dict:
    for line in process.log_path.read_text().splitlines():
        if '"consumer.stopped"' in line and json.loads(line).get("consumer") == consumer:
            return json.loads(line)
    raise AssertionError(f"no consumer.stopped line in {process.log_path}:\n{process.log_tail()}")


async def test_relay_killed_after_the_ack_and_before_its_checkpoint_neither_loses_nor_repeats(
    infra, pool, intake_pool, run_id
):
    await _enrol_people(intake_pool, f"{run_id}_intake", PEOPLE)
    tag = f"{run_id}-relay-kill"
    crashing = ServiceProcess(
        "intake", "relay", service_env(infra, run_id, relay_batch_size=100, fault_relay_kill_after_batches=3), tag
    )
    assert crashing.wait_exit(timeout=90) == -signal.SIGKILL, crashing.log_tail()
    checkpoint = await pool.fetchval(f"SELECT position FROM {run_id}_intake.relay_checkpoints")
    assert checkpoint == 200, "killed after the third batch's commit on Kafka, before its checkpoint"

    relay = ServiceProcess("intake", "relay", service_env(infra, run_id), tag)
    consumer = ServiceProcess("accompaniment", "consume", service_env(infra, run_id), tag)
    try:

        async def all_opened():
            return (await _opened_accompaniments(pool, f"{run_id}_accompaniment"))[0] >= PEOPLE

        await wait_until(all_opened, timeout=120, message=f"{PEOPLE} accompaniments opened")
        topic = await read_topic(infra.kafka, f"ali.intake.events.{run_id}", idle=3)
    finally:
        relay.stop()
        consumer.stop()
    # The new leader read the last position on each partition and skipped the third batch, already published.
    assert len(topic) == PEOPLE
    assert len({dict(r.headers)["ce_id"] for r in topic}) == PEOPLE
    assert await _opened_accompaniments(pool, f"{run_id}_accompaniment") == (PEOPLE, PEOPLE, PEOPLE)
    assert _consumer_stats(consumer)["duplicates"] == 0
    assert await pool.fetchval(f"SELECT position FROM {run_id}_intake.relay_checkpoints") == PEOPLE


async def test_consumer_killed_mid_batch_neither_loses_nor_repeats_an_effect(infra, pool, intake_pool, run_id):
    await _enrol_people(intake_pool, f"{run_id}_intake", PEOPLE)
    tag = f"{run_id}-consumer-kill"
    relay = ServiceProcess("intake", "relay", service_env(infra, run_id), tag)
    try:
        await read_topic(infra.kafka, f"ali.intake.events.{run_id}", expect=PEOPLE)
        crashing = ServiceProcess(
            "accompaniment",
            "consume",
            service_env(infra, run_id, consumer_batch_size=100, fault_consumer_kill_after_records=250),
            tag,
        )
        assert crashing.wait_exit(timeout=90) == -signal.SIGKILL, crashing.log_tail()
        rows_after_crash = (await _opened_accompaniments(pool, f"{run_id}_accompaniment"))[0]
        assert rows_after_crash == 250, "the kill came right after the 250th effect committed"

        restarted = ServiceProcess("accompaniment", "consume", service_env(infra, run_id), tag)

        async def all_opened():
            return (await _opened_accompaniments(pool, f"{run_id}_accompaniment"))[0] >= PEOPLE

        await wait_until(all_opened, timeout=120, message=f"{PEOPLE} accompaniments opened")
        restarted.stop()
    finally:
        relay.stop()
    assert await _opened_accompaniments(pool, f"{run_id}_accompaniment") == (PEOPLE, PEOPLE, PEOPLE)
    processed = await pool.fetchval(f"SELECT count(*) FROM {run_id}_accompaniment.processed_events")
    assert processed == PEOPLE
    stats = _consumer_stats(restarted)
    # Records handled before the kill but whose offsets were not committed came back and were skipped.
    assert stats["duplicates"] > 0
    assert stats["applied"] == PEOPLE - 250
