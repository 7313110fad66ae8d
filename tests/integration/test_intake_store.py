"""Intake's storage on the real PostgreSQL: batch appends, the import path, encryption at rest, concurrent referrals."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path

import pytest

from services.intake.adapters.profiles import shipped_profiles
from services.intake.bootstrap import MIGRATIONS, dependencies
from services.intake.domain.commands import ReferBeneficiary
from services.intake.service_layer.imports import import_referrals
from services.intake.service_layer.referrals import refer_beneficiary
from services.intake.settings import IntakeSettings
from shared.auth import Principal, Role
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.errors import ConcurrencyError
from shared.eventstore import StreamAppend, Tracing
from shared.migrations import pool_connector, upgrade
from tests.builders import referral

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "services/intake/examples/referrals-sample.csv"
ADMIN = Principal("integration", Role.ADMIN)
PLATFORM = shipped_profiles()["plateforme"]


@pytest.fixture
async def deps(pool, store):
    settings = IntakeSettings(intake_db_schema=store.schema, environment="development")
    await upgrade(pool_connector(pool), store.schema, MIGRATIONS)
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
    first = await import_referrals(data, deps=deps, profile=PLATFORM, today=date(2025, 11, 20), chunk_size=4)
    second = await import_referrals(data, deps=deps, profile=PLATFORM, today=date(2025, 11, 20), chunk_size=100)
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
    cmd = referral(first_name="Lina", last_name="Haddad", birth_date=date(1992, 3, 4), commune_code="93072")
    outcomes = await asyncio.gather(
        *(refer_beneficiary(cmd, ADMIN, deps=deps, today=date(2025, 11, 20)) for _ in range(8))
    )
    assert sum(o.created for o in outcomes) == 1
    assert len({o.beneficiary_id for o in outcomes}) == 1
    assert await pool.fetchval(f"SELECT count(*) FROM {store.schema}.persons") == 1


def _legacy_fold(text: str) -> str:
    """The first version's name key: ASCII letters and digits only (Cyrillic and Chinese fold to nothing)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and c.isascii()).lower()


async def test_people_indexed_with_the_old_ascii_key_are_reindexed_and_still_found(deps, pool, store):
    """A platform that already holds people: their stored digests are one-way, so the re-index decrypts each
    identity and writes the keys of every script; until then, the first referral's transaction catches up."""
    from services.intake.adapters import name_index

    born, oriented = date(1990, 1, 1), date(2025, 11, 2)
    names = [("Пётр", "Иванов"), ("伟", "王"), ("Élodie", "Lefèvre")]
    ids = []
    for first, last in names:
        outcome = await refer_beneficiary(
            ReferBeneficiary(
                first_name=first, last_name=last, birth_date=born, commune_code="93066", orientation_date=oriented
            ),
            ADMIN,
            deps=deps,
            today=date(2025, 11, 20),
        )
        ids.append(outcome.beneficiary_id)
    s = store.schema
    # Put them back as the first version left them: one ASCII-only name key each.
    await pool.execute(f"DELETE FROM {s}.dedup_index WHERE kind LIKE 'name_birth%'")
    for beneficiary_id, (first, last) in zip(ids, names, strict=True):
        digest = deps.indexer.digest("name_birth", f"{_legacy_fold(last)}|{_legacy_fold(first)}|{born}")
        await pool.execute(
            f"INSERT INTO {s}.dedup_index (kind, digest, beneficiary_id) VALUES ('name_birth', $1, $2)"
            " ON CONFLICT DO NOTHING",
            digest,
            beneficiary_id,
        )
    await pool.execute(f"UPDATE {s}.persons SET name_index_version = 1")
    progress: list[tuple[int, int]] = []
    assert (
        await name_index.reindex(pool, s, deps.vault, deps.indexer, batch=2, on_progress=lambda *p: progress.append(p))
        == 3
    )
    assert progress == [(2, 3), (3, 3)]
    assert await pool.fetchval(f"SELECT count(*) FROM {s}.dedup_index WHERE kind = 'name_birth'") == 0
    assert await name_index.reindex(pool, s, deps.vault, deps.indexer) == 0, "done once"
    for (first, last), beneficiary_id in zip(names, ids, strict=True):
        again = await refer_beneficiary(
            ReferBeneficiary(
                first_name=first.upper(),
                last_name=last,
                birth_date=born,
                commune_code="93066",
                orientation_date=oriented,
            ),
            ADMIN,
            deps=deps,
            today=date(2025, 11, 20),
        )
        assert (again.status, again.beneficiary_id) == ("duplicate", beneficiary_id)
    # A person left on the old key by an older process is caught up by the next referral's transaction.
    await pool.execute(f"UPDATE {s}.persons SET name_index_version = 1 WHERE beneficiary_id = $1", ids[0])
    await pool.execute(f"DELETE FROM {s}.dedup_index WHERE beneficiary_id = $1 AND kind LIKE 'name_birth%'", ids[0])
    late = await refer_beneficiary(
        ReferBeneficiary(
            first_name="пётр", last_name="ИВАНОВ", birth_date=born, commune_code="93066", orientation_date=oriented
        ),
        ADMIN,
        deps=deps,
        today=date(2025, 11, 20),
    )
    assert (late.status, late.beneficiary_id) == ("duplicate", ids[0])
