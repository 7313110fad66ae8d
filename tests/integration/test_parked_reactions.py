"""Park and replay: reactions that arrive before the enrolment wait for it, then apply, once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import date

import asyncpg
import pytest

from shared.contracts.employment import ContractType
from shared.envelope import Envelope
from shared.events import DomainEvent
from shared.kafka import ensure_topics
from tests.builders import enrolment, envelope_of, hire_recorded, moved
from tests.support import REPO, ServiceProcess, publish, service_env, wait_until

pytestmark = pytest.mark.integration


async def _publish(settings, context: str, event: DomainEvent, stream_id: str, key: uuid.UUID) -> Envelope:
    """Put an event on a context's topic, as its outbox relay would."""
    published = envelope_of(event, stream_id, key=str(key), source=f"/ali/{context}")
    await publish(settings, settings.topic(f"{context}.events"), [published])
    return published


async def _parked(pool: asyncpg.Pool, schema: str) -> list[asyncpg.Record]:
    try:
        return await pool.fetch(f"SELECT consumer, park_key, reason FROM {schema}.parked_events ORDER BY consumer")
    except asyncpg.UndefinedTableError:
        return []


async def test_a_transfer_and_a_hire_before_the_enrolment_wait_for_it_then_apply(infra, pool, settings, run_id):
    schema = f"{run_id}_accompaniment"
    await ensure_topics(settings, [settings.topic(f"{c}.events") for c in ("intake", "placement")])
    person = uuid.uuid4()
    transferred = moved(person, date.today())
    hire = hire_recorded(person, ContractType.CDI, start_date=date.today())
    env = service_env(infra, run_id)
    consumer = ServiceProcess("accompaniment", "consume", env, f"{run_id}-parking")
    try:
        # The enrolment is late (lost, or slower than placement): the transfer and the hire come first.
        await _publish(settings, "intake", transferred, f"beneficiary-{person}", person)
        await _publish(settings, "placement", hire, f"hire-{hire.hire_id}", person)

        async def both_parked():
            rows = await _parked(pool, schema)
            return rows if len(rows) == 2 else None

        parked = await wait_until(both_parked, timeout=90, message="the transfer and the hire to be parked")
        assert {r["consumer"] for r in parked} == {"intake-events", "placement-events"}
        assert {r["park_key"] for r in parked} == {f"beneficiary:{person}"}
        assert all("enrolment missing or late" in r["reason"] for r in parked)
        listing = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "services.accompaniment", "parked"],
            cwd=REPO,
            env=env | {"COLUMNS": "250"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listing.returncode == 0 and listing.stdout.count(f"beneficiary:{person}") == 2, listing.stdout

        enrolled = enrolment(beneficiary_id=person, orientation_date=date.today(), enrolled_on=date.today())
        await _publish(settings, "intake", enrolled, f"beneficiary-{person}", person)

        async def applied():
            row = await pool.fetchrow(
                f"SELECT agency_id, proposed_exit_category FROM {schema}.accompaniments WHERE beneficiary_id = $1",
                person,
            )
            return row if row and row["agency_id"] == "ali-clichy-sous-bois" and row["proposed_exit_category"] else None

        row = await wait_until(applied, timeout=90, message="the parked transfer and hire to apply")
    finally:
        consumer.stop()
    assert row["proposed_exit_category"] == "cdi"
    assert await _parked(pool, schema) == []
    rows = await pool.fetch(f"SELECT type FROM {schema}.events WHERE partition_key = $1 ORDER BY position", str(person))
    types = [r["type"].rsplit(".", 1)[-1] for r in rows]
    assert types.count("AccompanimentOpened") == 1 and types.count("AccompanimentTransferred") == 1
    assert types.count("ExitProposed") == 1
    assert types[0] == "AccompanimentOpened"
    processed = await pool.fetchval(f"SELECT count(*) FROM {schema}.processed_events")
    assert processed == 3, "each of the three events counted once as processed"
