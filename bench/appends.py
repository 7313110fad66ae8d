"""Path 1, appends: the project's event store beside pyeventsourcing's PostgreSQL recorder and a bare COPY.

8 writers append the same events (one per append, then batches of 10) to streams of their own, each append at
the stream's expected version:
- project: `shared.eventstore.PostgresEventStore.append` (asyncpg; 8 tasks on one event loop, a pool of 8);
- anchor: `eventsourcing.postgres.PostgresApplicationRecorder.insert_events` (pyeventsourcing with its psycopg 3
  driver; 8 threads, a pool of 8); it also keeps a global order equal to the commit order (a table lock);
- physical limit, reported: asyncpg `copy_records_to_table` of the project's rows by 8 writers, 1,000 rows a copy.
Everything is written to schemas of its own (`bench_appends_*`), dropped afterwards.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlparse

import asyncpg

from bench.platform import admin
from bench.results import Goal, Line
from shared.contracts.placement import EmployerRegistered, EmployerSize, Sector
from shared.eventstore import PostgresEventStore, Tracing

STREAMS_PER_WRITER = 50


def _event(n: int) -> EmployerRegistered:
    return EmployerRegistered(
        employer_id=uuid.UUID(int=n),
        siret="73282932000074",
        name_ref=uuid.UUID(int=n + 1),
        size=EmployerSize.TPE,
        sector=Sector("G"),
        social_economy=False,
        siae=False,
        commune_code="93027",
    )


def _plan(writers: int, appends: int, batch: int) -> list[list[tuple[str, int, list[EmployerRegistered]]]]:
    """For each writer, its appends in order: (stream, expected version, events)."""
    plan = []
    for w in range(writers):
        mine = []
        for i in range(appends):
            stream = f"bench-{w}-{i % STREAMS_PER_WRITER}"
            version = (i // STREAMS_PER_WRITER) * batch
            mine.append((stream, version, [_event(w * 10_000_000 + i * batch + k) for k in range(batch)]))
        plan.append(mine)
    return plan


async def _project(database_url: str, schema: str, plan, events: int) -> float:
    pool = await asyncpg.create_pool(database_url, min_size=len(plan), max_size=len(plan))
    store = PostgresEventStore(pool, schema, source="/ali/bench")
    await store.migrate()

    async def writer(appends):
        for stream, version, batch in appends:
            await store.append(stream, version, batch, partition_key=stream, tracing=Tracing.new())

    try:
        start = time.perf_counter()
        await asyncio.gather(*(writer(a) for a in plan))
        seconds = time.perf_counter() - start
        stored = await pool.fetchval(f"SELECT count(*) FROM {schema}.events")
    finally:
        await pool.close()
    if stored != events:
        raise AssertionError(f"project store holds {stored} events, expected {events}")
    return events / seconds


def _anchor(database_url: str, schema: str, plan, events: int) -> float:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    url = urlparse(database_url)
    datastore = PostgresDatastore(
        url.path.lstrip("/"),
        url.hostname or "127.0.0.1",
        url.port or 5432,
        url.username or "",
        url.password or "",
        pool_size=len(plan),
        schema=schema,
        originator_id_type="text",
    )
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    errors: list[BaseException] = []

    def writer(appends):
        try:
            for stream, version, batch in appends:
                recorder.insert_events(
                    [
                        StoredEvent(
                            originator_id=stream,
                            originator_version=version + k,
                            topic=event.event_type(),
                            state=event.model_dump_json().encode(),
                        )
                        for k, event in enumerate(batch, start=1)
                    ]
                )
        except BaseException as e:  # reported after the join
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(a,)) for a in plan]
    try:
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        if errors:
            raise errors[0]
        stored = recorder.max_notification_id()
    finally:
        datastore.close()
    if stored != events:
        raise AssertionError(f"pyeventsourcing recorder holds {stored} events, expected {events}")
    return events / seconds


def _copy_rows(plan) -> list[list[tuple]]:
    now = datetime.now(UTC)
    rows = []
    for appends in plan:
        mine = []
        for stream, version, batch in appends:
            for k, event in enumerate(batch, start=1):
                mine.append(
                    (
                        uuid.uuid4(),
                        stream,
                        version + k,
                        stream,
                        event.event_type(),
                        event.schema_version,
                        event.dataschema(),
                        "/ali/bench",
                        None,
                        uuid.uuid4(),
                        None,
                        now,
                        json.dumps(event.model_dump(mode="json")),
                    )
                )
        rows.append(mine)
    return rows


async def _copy(database_url: str, schema: str, plan, events: int) -> float:
    columns = [
        "position",
        "event_id",
        "stream_id",
        "version",
        "partition_key",
        "type",
        "schema_version",
        "dataschema",
        "source",
        "subject",
        "correlation_id",
        "causation_id",
        "recorded_at",
        "data",
    ]
    pool = await asyncpg.create_pool(database_url, min_size=len(plan), max_size=len(plan))
    store = PostgresEventStore(pool, schema, source="/ali/bench")
    await store.migrate()
    rows = _copy_rows(plan)
    counter = iter(range(1, events + 1))

    async def writer(mine: Sequence[tuple]):
        async with pool.acquire() as conn:
            for start in range(0, len(mine), 1000):
                chunk = [(next(counter), *row) for row in mine[start : start + 1000]]
                await conn.copy_records_to_table("events", schema_name=schema, records=chunk, columns=columns)

    try:
        start = time.perf_counter()
        await asyncio.gather(*(writer(r) for r in rows))
        seconds = time.perf_counter() - start
        stored = await pool.fetchval(f"SELECT count(*) FROM {schema}.events")
    finally:
        await pool.close()
    if stored != events:
        raise AssertionError(f"copy target holds {stored} rows, expected {events}")
    return events / seconds


async def _drop(database_url: str, schemas: list[str]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def run(writers: int = 8, single_appends: int = 500, batch_appends: int = 250) -> list[Line]:
    """Measure both modes; `*_appends` is per writer."""
    database_url = admin().database_url
    lines = []
    for label, batch, appends in (("single", 1, single_appends), ("batch10", 10, batch_appends)):
        plan = _plan(writers, appends, batch)
        events = writers * appends * batch
        tag = f"bench_appends_{uuid.uuid4().hex[:6]}"
        schemas = [f"{tag}_project", f"{tag}_es", f"{tag}_copy"]
        conn = await asyncpg.connect(database_url)
        await conn.execute(f'CREATE SCHEMA "{schemas[1]}"')
        await conn.close()
        try:
            project = await _project(database_url, schemas[0], plan, events)
            anchor = await asyncio.to_thread(_anchor, database_url, schemas[1], plan, events)
            copy = await _copy(database_url, schemas[2], plan, events)
        finally:
            await _drop(database_url, schemas)
        lines.append(Line(f"appends-{label}-vs-eventsourcing", project, anchor, "events/s", Goal.ratio(">=", 2)))
        lines.append(Line(f"appends-{label}-vs-copy", project, copy, "events/s", Goal.none()))
    return lines
