"""Intake's storage on the real PostgreSQL: batch appends, the import path, encryption at rest, concurrent referrals."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path

import pytest

from services.intake.bootstrap import MIGRATIONS, dependencies
from services.intake.domain.commands import ReferBeneficiary
from services.intake.service_layer.imports import import_referrals
from services.intake.service_layer.referrals import refer_beneficiary
from services.intake.settings import IntakeSettings
from shared.auth import Principal, Role
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.errors import ConcurrencyError
from shared.eventstore import StreamAppend, Tracing

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "services/intake/examples/referrals-sample.csv"
ADMIN = Principal("integration", Role.ADMIN)


@pytest.fixture
async def deps(pool, store):
    settings = IntakeSettings(intake_db_schema=store.schema, environment="development")
    for path in MIGRATIONS:
        await pool.execute(path.read_text().replace("{schema}", store.schema))
    yield dependencies(settings, store)
    await pool.execute(f"DROP SCHEMA {store.schema} CASCADE")


def _erased(n: int) -> BeneficiaryPersonalDataErased:
    return BeneficiaryPersonalDataErased(beneficiary_id=uuid.uuid4(), erased_on=date(2025, 1, n))


async def test_append_streams_writes_many_streams_with_consecutive_positions(store):
    items = [StreamAppend(f"s-{i}", 0, [_erased(1), _erased(2)], f"k-{i}", Tracing.new()) for i in range(300)]
    appended = await store.append_streams(None, items)
    positions = [e.position for e in appended]
    assert len(appended) == 600 and positions == list(range(positions[0], positions[0] + 600))
    assert [e.stream_version for e in await store.load("s-7")] == [1, 2]
    assert [e.data for e in await store.load("s-7")] == [e.data for e in appended[14:16]]


async def test_append_streams_writes_nothing_when_one_stream_moved(store):
    await store.append("s-moved", 0, [_erased(1)], partition_key="k", tracing=Tracing.new())
    items = [StreamAppend(name, 0, [_erased(2)], "k", Tracing.new()) for name in ("s-new", "s-moved")]
    with pytest.raises(ConcurrencyError) as raised:
        await store.append_streams(None, items)
    assert raised.value.stream_id == "s-moved" and raised.value.actual == 1
    assert await store.load("s-new") == []


async def test_the_import_stores_identities_encrypted_and_a_second_import_creates_nothing(deps, pool, store):
    data = SAMPLE.read_bytes()
    first = await import_referrals(data, deps=deps, today=date(2025, 11, 20), source="department_import", chunk_size=4)
    second = await import_referrals(
        data, deps=deps, today=date(2025, 11, 20), source="department_import", chunk_size=100
    )
    assert (first.created, first.duplicates, first.rejected) == (6, 1, 5)
    assert (second.created, second.duplicates, second.rejected) == (0, 7, 5)
    s = store.schema
    assert await pool.fetchval(f"SELECT count(*) FROM {s}.events") == 6
    assert await pool.fetchval(f"SELECT count(*) FROM {s}.persons") == 6
    stored = await pool.fetch(
        f"SELECT p.identity, k.wrapped_key FROM {s}.persons p JOIN {s}.person_keys k USING (beneficiary_id)"
    )
    digests = [r["digest"] for r in await pool.fetch(f"SELECT digest FROM {s}.dedup_index")]
    for clear in (b"Diallo", b"Aminata", b"1988-04-12", b"288049935204", b"Convention", b"0601020304"):
        assert not any(clear in r["identity"] or clear in r["wrapped_key"] for r in stored)
        assert not any(clear in d for d in digests)
    events = await pool.fetch(f"SELECT data::text AS data FROM {s}.events")
    assert not any("Diallo" in r["data"] or "1988-04-12" in r["data"] for r in events)


async def test_concurrent_referrals_of_one_person_create_one_beneficiary(deps, pool, store):
    cmd = ReferBeneficiary(
        first_name="Lina",
        last_name="Haddad",
        birth_date=date(1992, 3, 4),
        commune_code="93072",
        orientation_date=date(2025, 11, 2),
    )
    outcomes = await asyncio.gather(
        *(refer_beneficiary(cmd, ADMIN, deps=deps, today=date(2025, 11, 20)) for _ in range(8))
    )
    assert sum(o.created for o in outcomes) == 1
    assert len({o.beneficiary_id for o in outcomes}) == 1
    assert await pool.fetchval(f"SELECT count(*) FROM {store.schema}.persons") == 1
