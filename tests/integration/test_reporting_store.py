"""Reporting's fact tables on the real PostgreSQL: batches written and read back whole, replays harmless, poison
dead-lettered, a second replica's mirror equal to the writer's, the BI views over the same facts."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import date

import asyncpg
import pytest
from aiokafka import ConsumerRecord, TopicPartition

from services.reporting.adapters.bi import VIEWS, migrate
from services.reporting.adapters.fact_tables import TABLES
from services.reporting.adapters.follower import Follower
from services.reporting.adapters.store import FactStore
from services.reporting.domain import indicators, projection
from services.reporting.service_layer.mirror import Mirror
from services.reporting.service_layer.projector import Projector
from shared.contracts import accompaniment as acc
from tests.builders import as_recorded
from tests.unit.test_reporting_indicators import AS_OF, STREAMS, YEAR, Person, X, Y, interleave

pytestmark = pytest.mark.integration


def record(event, offset: int, topic: str = "t", partition: int = 0) -> ConsumerRecord:
    """The Kafka record the relay would publish for a projection event."""
    envelope = as_recorded(event, key="k")
    value = envelope.kafka_value()
    return ConsumerRecord(topic, partition, offset, 0, 0, b"k", value, None, 1, len(value), envelope.kafka_headers())


class Letters:
    """Dead letters kept in memory."""

    def __init__(self) -> None:
        self.sent: list = []

    async def __call__(self, poison) -> None:
        self.sent.extend(poison)


GROUPS = ("emploi_durable", "emploi_transition", "sortie_positive")


@pytest.fixture
async def facts_store(pool, run_id):
    """Reporting's fact tables and BI views as the service makes them at start (migrations, views, state row)."""
    store = FactStore(f"{run_id}_reporting")
    await migrate(pool, store.schema, f"{run_id}_bi", GROUPS)
    async with pool.acquire() as conn:
        await store.prepare(conn, 1)
    return store


async def _apply_in_batches(projector: Projector, records: list[ConsumerRecord], size: int) -> None:
    tp = TopicPartition("t", 0)
    for start in range(0, len(records), size):
        await projector.apply({tp: records[start : start + size]})


async def _projector(pool, facts_store: FactStore) -> Projector:
    """A projector on a mirror loaded from the facts as they are, dead letters kept in memory (`.dead_letter`)."""
    mirror = Mirror(facts_store)
    async with pool.acquire() as conn:
        await mirror.load(conn)
    return Projector(facts_store, mirror, pool, 1, Letters())


async def _projected(pool, facts_store: FactStore, seed: int, batch: int):
    """The unit scenario (interleaved by `seed`) applied in batches of `batch` by a projector on an empty mirror."""
    events = interleave(STREAMS, seed=seed)
    records = [record(e, i) for i, e in enumerate(events)]
    projector = await _projector(pool, facts_store)
    await _apply_in_batches(projector, records, batch)
    return events, records, projector.mirror, projector.dead_letter, projector


async def test_batches_are_stored_whole_and_a_second_replica_reads_the_same_facts(pool, facts_store):
    events, records, mirror, letters, _ = await _projected(pool, facts_store, seed=5, batch=7)
    expected = projection.fold_all(events)
    assert mirror.facts.by_kind == expected.by_kind and mirror.facts.versions == expected.versions
    other = Mirror(facts_store)
    async with pool.acquire() as conn:
        await other.load(conn)
        assert await facts_store.offsets(conn) == {("t", 0): len(records)}
    assert other.facts.by_kind == expected.by_kind and other.facts.versions == expected.versions
    figures = indicators.compute(indicators.Snapshot.of(other.facts), YEAR)
    assert figures.of(X) == indicators.compute(indicators.Snapshot.of(expected), YEAR).of(X)
    assert letters.sent == []


async def test_a_replayed_batch_changes_nothing_and_poison_is_dead_lettered(pool, facts_store):
    _, records, mirror, letters, projector = await _projected(pool, facts_store, seed=6, batch=50)
    before = dict(mirror.facts.by_kind), dict(mirror.facts.versions)
    bad = ConsumerRecord("t", 0, len(records), 0, 0, b"k", b"{not json", None, 1, 9, records[0].headers)
    folded = await projector.apply({TopicPartition("t", 0): [*records[10:40], bad]})
    assert folded == 0, "every event of the replay was folded already"
    assert (dict(mirror.facts.by_kind), dict(mirror.facts.versions)) == before
    assert [r.offset for r, _ in letters.sent] == [len(records)]
    reloaded = Mirror(facts_store)
    async with pool.acquire() as conn:
        await reloaded.load(conn)
    assert reloaded.facts.by_kind == before[0]


async def test_a_replica_follows_another_workers_batches(pool, facts_store):
    events = interleave(STREAMS, seed=7)
    records = [record(e, i) for i, e in enumerate(events)]
    writer, reader = Mirror(facts_store), Mirror(facts_store)
    async with pool.acquire() as conn:
        await writer.load(conn)
        await reader.load(conn)
    projector = Projector(facts_store, writer, pool, 1, Letters())
    await _apply_in_batches(projector, records[:60], 20)
    async with pool.acquire() as conn:
        assert await reader.sync(conn)
    generation = reader.key
    await _apply_in_batches(projector, records[60:], 20)
    async with pool.acquire() as conn:
        assert await reader.sync(conn)
    assert reader.key > generation and reader.generation == writer.generation
    assert reader.facts.by_kind == writer.facts.by_kind


async def test_two_accompaniments_naming_the_same_barrier_id_keep_a_barrier_each(pool, facts_store):
    # A barrier's id is the client's choice (`POST .../barriers` takes one): two accompaniments may name the same.
    shared = uuid.uuid4()
    people = [Person(X, date(2025, 1, 6), date(2025, 1, 6)), Person(Y, date(2025, 2, 3), date(2025, 2, 3))]
    for person, category in zip(people, (acc.BarrierCategory.HEALTH, acc.BarrierCategory.HOUSING), strict=True):
        person.barrier_ids[category] = shared
        person.stream.add(
            acc.BarrierIdentified(
                **person._base(), barrier_id=shared, category=category, identified_on=date(2025, 3, 3)
            )
        )
    people[0].lift(acc.BarrierCategory.HEALTH, date(2025, 4, 1))
    events = [e for p in people for e in p.stream.events]
    records = [record(e, i) for i, e in enumerate(events)]
    projector = await _projector(pool, facts_store)
    letters = projector.dead_letter
    await _apply_in_batches(projector, records, len(records))  # one batch
    assert letters.sent == []
    reloaded = Mirror(facts_store)
    async with pool.acquire() as conn:
        await reloaded.load(conn)
    assert reloaded.facts.by_kind == projection.fold_all(events).by_kind
    rows = await pool.fetch(f"SELECT accompaniment_id, category, lifted_on FROM {facts_store.schema}.barriers")
    assert sorted((r["accompaniment_id"], r["category"], r["lifted_on"]) for r in rows) == sorted(
        [(people[0].id, "health", date(2025, 4, 1)), (people[1].id, "housing", None)]
    )


async def test_a_fact_written_again_rewrites_only_the_history_rows_that_changed(pool, facts_store):
    person = Person(X, date(2025, 1, 6), date(2025, 1, 6))
    person.barrier(acc.BarrierCategory.HEALTH, date(2025, 2, 3)).barrier(acc.BarrierCategory.HOUSING, date(2025, 2, 4))
    person.held(date(2025, 2, 5))
    records = [record(e, i) for i, e in enumerate(person.stream.events)]
    projector = await _projector(pool, facts_store)
    await _apply_in_batches(projector, records, len(records))
    barriers = f"SELECT category, xmin::text AS xmin, lifted_on FROM {facts_store.schema}.barriers"
    before = {r["category"]: r for r in await pool.fetch(barriers)}
    held = await pool.fetch(f"SELECT xmin::text FROM {facts_store.schema}.appointments_held")

    person.lift(acc.BarrierCategory.HEALTH, date(2025, 4, 1))  # the accompaniment is written whole again
    later = record(person.stream.events[-1], len(records))
    assert await projector.apply({TopicPartition("t", 0): [later]}) == 1

    after = {r["category"]: r for r in await pool.fetch(barriers)}
    assert after["health"]["lifted_on"] == date(2025, 4, 1) and after["health"]["xmin"] != before["health"]["xmin"]
    assert after["housing"]["xmin"] == before["housing"]["xmin"], "an unchanged barrier's row was rewritten"
    assert await pool.fetch(f"SELECT xmin::text FROM {facts_store.schema}.appointments_held") == held
    reloaded = Mirror(facts_store)
    async with pool.acquire() as conn:
        await reloaded.load(conn)
    assert reloaded.facts.by_kind == projection.fold_all(person.stream.events).by_kind


async def test_a_record_the_database_refuses_is_dead_lettered_and_the_others_of_its_batch_are_folded(pool, facts_store):
    people = [Person(X, date(2025, 1, 6), date(2025, 1, 6)), Person(Y, date(2025, 2, 3), date(2025, 2, 3))]
    people[0].barrier(acc.BarrierCategory.HEALTH, date(2025, 3, 3))
    people[1].barrier(acc.BarrierCategory.HOUSING, date(2025, 3, 3))
    events = [e for p in people for e in p.stream.events]
    records = [record(e, i) for i, e in enumerate(events)]
    refused = next(r for r, e in zip(records, events, strict=True) if e.data.get("category") == "housing")
    # The database refuses one fact (as a constraint would): a housing barrier.
    schema = facts_store.schema
    await pool.execute(
        f"""CREATE FUNCTION {schema}.refuse_housing() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.category = 'housing' THEN
                RAISE EXCEPTION 'housing refused' USING ERRCODE = 'check_violation';
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_housing BEFORE INSERT OR UPDATE ON {schema}.barriers
              FOR EACH ROW EXECUTE FUNCTION {schema}.refuse_housing();"""
    )
    projector = await _projector(pool, facts_store)
    letters = projector.dead_letter
    tp = TopicPartition("t", 0)
    with pytest.raises(asyncpg.CheckViolationError):
        await projector.apply({tp: records})  # the batch as a whole is refused

    await projector.apply_or_isolate({tp: records})
    assert [(r, type(e)) for r, e in letters.sent] == [(refused, asyncpg.CheckViolationError)]
    others = [e for r, e in zip(records, events, strict=True) if r is not refused]
    reloaded = Mirror(facts_store)
    async with pool.acquire() as conn:
        await reloaded.load(conn)
        stored = await facts_store.offsets(conn)
    assert reloaded.facts.by_kind == projection.fold_all(others).by_kind, "every other record folded"
    assert stored[("t", 0)] == len(records), "the offset stored past every record, the refused one included"
    rows = await pool.fetch(f"SELECT accompaniment_id, category FROM {schema}.barriers")
    assert [(r["accompaniment_id"], r["category"]) for r in rows] == [(people[0].id, "health")]


async def test_an_error_of_the_platform_not_of_a_record_stops_the_batch_and_nothing_is_dead_lettered(pool, facts_store):
    people = [Person(X, date(2025, 1, 6), date(2025, 1, 6)).barrier(acc.BarrierCategory.HEALTH, date(2025, 3, 3))]
    records = [record(e, i) for i, e in enumerate(people[0].stream.events)]
    schema = facts_store.schema
    # As a revoked grant would: every barrier row refused for a reason that is not the record's.
    await pool.execute(
        f"""CREATE FUNCTION {schema}.refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no rights' USING ERRCODE = 'insufficient_privilege'; END $$;
            CREATE TRIGGER refuse_all BEFORE INSERT OR UPDATE ON {schema}.barriers
              FOR EACH ROW EXECUTE FUNCTION {schema}.refuse_all();"""
    )
    projector = await _projector(pool, facts_store)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await projector.apply_or_isolate({TopicPartition("t", 0): records})
    letters = projector.dead_letter
    assert letters.sent == [], "the batch is read again once the platform is repaired; no record is dead-lettered"
    async with pool.acquire() as conn:
        assert ("t", 0) not in await facts_store.offsets(conn)


async def test_the_tables_have_the_columns_the_code_writes(pool, facts_store):
    rows = await pool.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1", facts_store.schema
    )
    columns: dict[str, list[str]] = {}
    for r in rows:
        columns.setdefault(r["table_name"], []).append(r["column_name"])
    for table in TABLES:
        assert sorted(columns[table.name]) == sorted(table.names), table.name


async def test_the_bi_views_read_the_same_facts(pool, facts_store, run_id):
    events = interleave(STREAMS, seed=8)
    projector = await _projector(pool, facts_store)
    await _apply_in_batches(projector, [record(e, i) for i, e in enumerate(events)], 100)
    bi = f"{run_id}_bi"
    exits = await pool.fetch(f"SELECT agency_id, exit_group, sortie_dynamique FROM {bi}.exits")
    assert sorted((r["agency_id"], r["exit_group"]) for r in exits) == [
        ("ali-x", "autre_sortie"),
        ("ali-x", "emploi_durable"),
        ("ali-y", "autre_sortie"),
        ("ali-y", "emploi_transition"),
        ("ali-y", "sortie_positive"),
    ], "E's exit counts at Y, where it was transferred"
    assert sum(r["sortie_dynamique"] for r in exits) == 3
    barriers = await pool.fetch(f"SELECT agency_id, category, status FROM {bi}.barriers ORDER BY category, status")
    assert [(r["category"], r["agency_id"], r["status"]) for r in barriers] == [
        ("french_language", "ali-x", "lifted"),
        ("health", "ali-x", "identified"),
        ("housing", "ali-y", "identified"),
        ("mobility", "ali-x", "identified"),
        ("mobility", "ali-x", "lifted"),
    ], "one row per identification; E's barrier at X, where it was identified"
    assert await pool.fetchval(f"SELECT count(*) FROM {bi}.accompaniments WHERE status = 'open'") == 6
    assert await pool.fetchval(f"SELECT sum(entries) FROM {bi}.agency_months") == 11
    a = await pool.fetchrow(
        f"SELECT first_appointment_delay_days, contract_in_time FROM {bi}.accompaniments "
        f"WHERE orientation_date = '2025-01-02'"
    )
    assert (a["first_appointment_delay_days"], a["contract_in_time"]) == (10, True)
    december = await pool.fetchrow(
        f"SELECT sum(caseload_end_of_month) AS n FROM {bi}.agency_months WHERE month = $1", AS_OF.replace(day=1)
    )
    assert december["n"] == 6, "J closed on 31 December is gone at the month's end"


async def test_the_bi_tools_role_reads_every_view_after_each_start(infra, run_id):
    facts, bi = f"{run_id}_reporting", f"{run_id}_bi"
    reporting = await asyncpg.create_pool(infra.database_url_of("reporting"), min_size=1, max_size=2)
    try:
        for _start in range(2):  # the views are dropped and made again at every start
            await migrate(reporting, facts, bi, GROUPS, "bi_reader")
            reader = await asyncpg.connect(infra.database_url_of("bi"))
            try:
                for view in VIEWS:
                    assert await reader.fetchval(f"SELECT count(*) FROM {bi}.{view}") is not None, view
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await reader.fetchval(f"SELECT count(*) FROM {facts}.accompaniments")
            finally:
                await reader.close()
    finally:
        await reporting.close()


def _follower(reader: Mirror, pool, **kwargs) -> Follower:
    return Follower(reader, pool, **({"sync_seconds": 0.05, "idle_after": 30, "idle_sync_seconds": 60} | kwargs))


async def _until(check, seconds: float = 10.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


@contextlib.asynccontextmanager
async def _following(pool, facts_store: FactStore, seed: int, **kwargs):
    """The scenario's records, a projector writing on one mirror, a running follower of another."""
    records = [record(e, i) for i, e in enumerate(interleave(STREAMS, seed=seed))]
    writer, reader = Mirror(facts_store), Mirror(facts_store)
    async with pool.acquire() as conn:
        await writer.load(conn)
        await reader.load(conn)
    follower = _follower(reader, pool, **kwargs)
    stop = asyncio.Event()
    running = asyncio.create_task(follower.run(stop))
    try:
        yield records, Projector(facts_store, writer, pool, 1, Letters()), writer, reader, follower
    finally:
        stop.set()
        await running


async def test_an_idle_follower_catches_up_before_the_first_read_and_then_on_each_batch(pool, facts_store):
    async with _following(pool, facts_store, seed=8) as (records, projector, writer, reader, follower):
        await _apply_in_batches(projector, records[:50], 25)
        await asyncio.sleep(0.5)
        assert follower.idle and reader.generation < writer.generation, "nobody read: the batches wait"
        await follower.reading()
        assert reader.generation == writer.generation and reader.facts.by_kind == writer.facts.by_kind
        assert not follower.idle
        await _apply_in_batches(projector, records[50:], 25)
        assert await _until(lambda: reader.generation == writer.generation), "followed: each batch is read"
        assert reader.facts.by_kind == writer.facts.by_kind


async def test_reads_after_an_idle_spell_share_one_catch_up_that_began_after_them(pool, facts_store):
    async with _following(pool, facts_store, seed=9, idle_after=0.3) as (records, projector, writer, reader, follower):
        for start in range(0, len(records), 20):
            await asyncio.sleep(0.4)  # idle again
            await _apply_in_batches(projector, records[start : start + 20], 20)
            before = follower.done
            await asyncio.gather(*(follower.reading() for _ in range(20)))
            assert reader.generation == writer.generation, "a commit made before the read is in the figures"
            assert follower.done - before <= 2, "the reads waited together"
        assert reader.facts.by_kind == writer.facts.by_kind


async def test_a_read_waits_no_longer_than_its_limit_when_the_store_is_not_followed(pool, facts_store):
    reader = Mirror(facts_store)
    async with pool.acquire() as conn:
        await reader.load(conn)
    follower = _follower(reader, pool, read_timeout=0.2)
    started = asyncio.get_running_loop().time()
    await follower.reading()  # no `run`: nothing catches up
    assert 0.2 <= asyncio.get_running_loop().time() - started < 2
    assert follower.done == 0


async def test_an_idle_follower_stops_at_once(pool, facts_store):
    reader = Mirror(facts_store)
    async with pool.acquire() as conn:
        await reader.load(conn)
    follower = _follower(reader, pool)
    stop = asyncio.Event()
    running = asyncio.create_task(follower.run(stop))
    await asyncio.sleep(0.3)
    assert follower.idle and not running.done()
    stop.set()
    await asyncio.wait_for(running, timeout=5)  # not the 60 s of its idle pace
