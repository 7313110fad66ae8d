"""Units of work running at the same time share a transaction and its commit, each still all-or-nothing."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.adapters.group_commit import GroupCommits
from shared.contracts.placement import EmployerRegistered, EmployerSize
from shared.errors import ConcurrencyError
from shared.eventstore import StreamAppend, Tracing
from shared.http.errors import database_unavailable
from tests.support import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
async def table(pool, run_id):
    name = f"{run_id}_group_commit"
    # `tx`: the (top-level) transaction that wrote the row; a savepoint has an xid of its own, hence not `xmin`.
    await pool.execute(f"CREATE TABLE {name} (unit int PRIMARY KEY, tx xid8 NOT NULL DEFAULT pg_current_xact_id())")
    await pool.execute(f"CREATE TABLE {name}_counter (n int NOT NULL)")
    await pool.execute(f"INSERT INTO {name}_counter VALUES (0)")
    yield name
    await pool.execute(f"DROP TABLE {name}, {name}_counter")


async def _unit(units: GroupCommits, pool, table: str, n: int, *, fail: bool = False) -> bool:
    async with units.transaction() as conn:
        await conn.execute(f"INSERT INTO {table} VALUES ($1)", n)
        await conn.execute(f"UPDATE {table}_counter SET n = n + 1")
        if fail:
            raise ValueError("this unit fails")
    # Its block has returned: what it wrote is committed, for every other connection to see.
    return await pool.fetchval(f"SELECT count(*) FROM {table} WHERE unit = $1", n) == 1


async def test_concurrent_units_share_commits_and_each_is_committed_when_its_block_returns(pool, table):
    units = GroupCommits(pool, max_units=32, max_seconds=1)
    seen = await asyncio.gather(*(_unit(units, pool, table, n) for n in range(40)))
    assert all(seen), "every unit's write was committed when its block returned"
    assert await pool.fetchval(f"SELECT n FROM {table}_counter") == 40, "no update lost: units ran one after another"
    commits = await pool.fetchval(f"SELECT count(DISTINCT tx::text) FROM {table}")
    assert commits <= 2, f"40 units in at most two commits (groups of 32), not {commits}"


async def test_a_failing_unit_is_rolled_back_alone(pool, table):
    units = GroupCommits(pool, max_units=32, max_seconds=1)
    results = await asyncio.gather(
        *(_unit(units, pool, table, n, fail=n == 3) for n in range(6)), return_exceptions=True
    )
    assert isinstance(results[3], ValueError)
    assert [r for i, r in enumerate(results) if i != 3] == [True] * 5
    assert [r["unit"] for r in await pool.fetch(f"SELECT unit FROM {table} ORDER BY unit")] == [0, 1, 2, 4, 5]
    assert await pool.fetchval(f"SELECT n FROM {table}_counter") == 5


async def test_a_unit_failing_in_the_database_is_rolled_back_alone_and_the_group_goes_on(pool, table):
    units = GroupCommits(pool, max_units=32, max_seconds=1)
    # Unit 2 writes the row unit 1 wrote: the statement fails, leaving the shared transaction aborted until the
    # unit's savepoint is rolled back to; the units after it in the group then run and commit.
    results = await asyncio.gather(
        *(_unit(units, pool, table, 1 if n == 2 else n) for n in range(5)), return_exceptions=True
    )
    assert isinstance(results[2], asyncpg.UniqueViolationError), results[2]
    assert [r for i, r in enumerate(results) if i != 2] == [True] * 4
    assert [r["unit"] for r in await pool.fetch(f"SELECT unit FROM {table} ORDER BY unit")] == [0, 1, 3, 4]
    assert await pool.fetchval(f"SELECT n FROM {table}_counter") == 4
    assert await pool.fetchval(f"SELECT count(DISTINCT tx::text) FROM {table}") == 1, "one group, one commit"


async def test_one_unit_at_a_time_has_its_own_transaction(pool, table):
    units = GroupCommits(pool, max_units=1)
    assert all(await asyncio.gather(*(_unit(units, pool, table, n) for n in range(8))))
    assert await pool.fetchval(f"SELECT count(DISTINCT tx::text) FROM {table}") == 8


async def test_a_unit_opened_inside_another_has_a_transaction_of_its_own(pool, table):
    units = GroupCommits(pool, max_units=32, max_seconds=1)

    async def outer():
        async with units.transaction() as conn:
            await conn.execute(f"INSERT INTO {table} VALUES (1)")
            async with units.transaction() as inner:  # would wait for its own turn if it joined the group
                await inner.execute(f"INSERT INTO {table} VALUES (2)")

    await asyncio.wait_for(outer(), 10)
    assert await pool.fetchval(f"SELECT count(*) FROM {table}") == 2


async def test_the_groups_of_a_process_run_one_after_another(pool, table):
    """A group begins once the one before it committed: it sees all of it, and no two hold a connection at once."""
    seen: dict[str, int] = {}
    units = GroupCommits(pool, max_units=4, max_seconds=1)

    async def counting(n: int) -> None:
        async with units.transaction() as conn:
            await conn.execute(f"INSERT INTO {table} (unit) VALUES ($1)", n)
            # Rows of other transactions this one sees: all those of the groups before it, committed before it began.
            mine = await conn.fetchval("SELECT pg_current_xact_id()::text")
            seen[mine] = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE tx::text <> $1", mine)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(counting(n) for n in range(12)))
    sizes = {
        r["tx"]: r["n"] for r in await pool.fetch(f"SELECT tx::text AS tx, count(*) AS n FROM {table} GROUP BY tx")
    }
    assert len(sizes) >= 3, "12 units in groups of at most 4"
    before = 0
    for tx in sorted(sizes, key=lambda t: seen[t]):
        assert seen[tx] == before, f"a group began before the one ahead of it committed: {seen} {sizes}"
        before += sizes[tx]


# Units of work of an event store: their appends are checked and claimed in their turn, written at the group's commit.


def _event(name: str) -> EmployerRegistered:
    return EmployerRegistered(
        employer_id=uuid.uuid4(),
        siret="73282932000074",
        name_ref=uuid.uuid5(uuid.NAMESPACE_URL, name),
        size=EmployerSize.PME,
        sector="S",
        social_economy=True,
        siae=False,
        commune_code="93027",
    )


def _append(stream: str, expected: int, name: str = "e") -> StreamAppend:
    return StreamAppend(stream, expected, [_event(name)], "k", Tracing.new())


async def _appending(store, stream: str, expected: int, *, fail: bool = False) -> int:
    async with store.group_commits.unit() as unit:
        await unit.append([_append(stream, expected)])
        if fail:
            raise ValueError("this unit fails")
    # Answered after the commit: the events are there for every reader.
    return len(await store.load(stream))


async def test_units_appends_are_written_at_their_groups_commit_in_commit_order(store, pool):
    counts = await asyncio.gather(*(_appending(store, f"u-{n}", 0) for n in range(40)))
    assert counts == [1] * 40, "each unit's events were committed when its block returned"
    stored = await store.read_all(0, 100)
    assert sorted(e.stream_id for e in stored) == sorted(f"u-{n}" for n in range(40))
    commits = await pool.fetchval(f"SELECT count(DISTINCT xmin::text) FROM {store.schema}.events")
    assert commits <= 2, f"40 units' appends in at most two statements and commits, not {commits}"


async def test_the_append_lock_is_not_held_during_the_units_turns(store):
    """An append outside any group goes through while a unit that appended is still running."""
    async with store.group_commits.unit() as unit:
        await unit.append([_append("held-1", 0)])
        # The store's lock would be held until this unit's commit if its append had been written here.
        other = await asyncio.wait_for(
            store.append("held-2", 0, [_event("other")], partition_key="k", tracing=Tracing.new()), 30
        )
        assert other[0].position is not None
        assert await store.load("held-1") == [], "the unit's events are written with its group's commit"
    held = await store.load("held-1")
    assert [e.stream_version for e in held] == [1]
    assert held[0].position > other[0].position, "positions follow commit order"


async def test_a_unit_at_a_stale_version_fails_alone_and_a_failed_unit_writes_nothing(store):
    await store.append("v-1", 0, [_event("first")], partition_key="k", tracing=Tracing.new())
    results = await asyncio.gather(
        _appending(store, "v-0", 0),
        _appending(store, "v-1", 0),  # the stream is at 1
        _appending(store, "v-2", 0, fail=True),
        _appending(store, "v-3", 0),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[3] == 1
    assert isinstance(results[1], ConcurrencyError) and results[1].actual == 1
    assert isinstance(results[2], ValueError)
    assert len(await store.load("v-1")) == 1 and await store.load("v-2") == []


async def test_two_units_on_one_stream_one_wins_the_other_is_a_conflict(store):
    """Whether in one group or in two, the second unit at the same expected version never overwrites the first."""
    results = await asyncio.gather(*(_appending(store, "same", 0) for _ in range(3)), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ConcurrencyError", "ConcurrencyError", "int"]
    assert [e.stream_version for e in await store.load("same")] == [1]
    # A claim is released with the unit's rollback, and at its group's commit: the stream takes the next append.
    assert await _appending(store, "same", 1) == 2


async def test_a_stream_changed_outside_groups_after_a_units_claim_fails_the_group_and_writes_none_of_it(store, pool):
    async def sneaky() -> None:
        async with store.group_commits.unit() as unit:
            await unit.connection.execute("SELECT 1")  # its turn: its streams are claimed as it appends
            await unit.append([_append("raced", 0)])
            # A writer that does not claim (a consumer in its own transaction) appends first.
            await store.append("raced", 0, [_event("consumer")], partition_key="k", tracing=Tracing.new())

    results = await asyncio.gather(sneaky(), _appending(store, "innocent", 0), return_exceptions=True)
    assert all(isinstance(r, ConcurrencyError) for r in results), results
    assert [e.data["name_ref"] for e in await store.load("raced")] == [str(uuid.uuid5(uuid.NAMESPACE_URL, "consumer"))]
    assert await store.load("innocent") == [], "nothing of the group was written"


async def test_a_stream_changed_before_a_units_claim_at_the_commit_fails_that_unit_alone(store, pool):
    """A unit that ran no statement of its own has its streams claimed at its group's commit: a stream changed
    by then is that unit's conflict, and the rest of the group is written."""

    async def raced() -> None:
        async with store.group_commits.unit() as unit:
            await unit.append([_append("raced", 0)])
            await store.append("raced", 0, [_event("consumer")], partition_key="k", tracing=Tracing.new())

    results = await asyncio.gather(raced(), _appending(store, "innocent", 0), return_exceptions=True)
    assert isinstance(results[0], ConcurrencyError) and results[0].actual == 1, results
    assert results[1] == 1, "the other unit of the group was committed"
    assert [e.data["name_ref"] for e in await store.load("raced")] == [str(uuid.uuid5(uuid.NAMESPACE_URL, "consumer"))]


async def test_a_group_rolled_back_to_end_a_deadlock_fails_its_units_with_a_conflict_decided_again(store, pool, table):
    """A writer outside groups (a consumer's reaction) appends first, taking the append lock, then writes a row a
    unit of the group wrote while the group waits for that lock: PostgreSQL ends the deadlock by rolling the group
    back. Its units fail with a conflict (409 `concurrent_change`, decided again), not a database error (a 500), and
    the same unit run again goes through."""
    await pool.execute(f"INSERT INTO {table} (unit) VALUES (1)")

    async def crossing() -> None:
        async with store.group_commits.unit() as unit:
            await unit.connection.execute(f"UPDATE {table} SET tx = pg_current_xact_id() WHERE unit = 1")
            await unit.append([_append("crossing", 0)])

    outside = await pool.acquire()
    try:
        async with outside.transaction():
            # This session checks for a deadlock long after the group does: the group is the one rolled back.
            await outside.execute("SET LOCAL deadlock_timeout = '60s'")
            await store.append_streams(outside, [_append("outside", 0)])  # the append lock, held until its commit
            group = asyncio.create_task(crossing())
            waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"

            async def waits() -> bool:  # the group's commit waits for the append lock
                return group.done() or await pool.fetchval(waiting) > 0

            await wait_until(waits, timeout=30, interval=0.01, message="the group waiting for the append lock")
            assert not group.done()
            await outside.execute(f"UPDATE {table} SET tx = pg_current_xact_id() WHERE unit = 1")
    finally:
        await pool.release(outside)
    with pytest.raises(ConcurrencyError) as crossed:
        await group
    assert isinstance(crossed.value.__cause__, asyncpg.exceptions.DeadlockDetectedError), crossed.value.__cause__
    assert crossed.value.code == "concurrent_change"
    assert await store.load("crossing") == [], "nothing of the group was written"
    await crossing()
    assert [e.stream_version for e in await store.load("crossing")] == [1]


async def test_a_unit_whose_own_statement_ends_a_deadlock_fails_with_a_conflict(store, pool, table):
    await pool.execute(f"INSERT INTO {table} (unit) VALUES (1), (2)")
    first_written, second_held = asyncio.Event(), asyncio.Event()
    touch = f"UPDATE {table} SET tx = pg_current_xact_id() WHERE unit = $1"

    async def crossing() -> None:
        async with store.group_commits.unit() as unit:
            await unit.connection.execute(touch, 1)
            first_written.set()
            await second_held.wait()
            await unit.connection.execute(touch, 2)  # waits for the other transaction, which waits for this one

    group = asyncio.create_task(crossing())
    async with pool.acquire() as outside, outside.transaction():
        await outside.execute("SET LOCAL deadlock_timeout = '60s'")  # the unit's session is the one rolled back
        await first_written.wait()
        await outside.execute(touch, 2)
        second_held.set()
        await wait_until(
            lambda: pool.fetchval("SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"),
            timeout=30,
            interval=0.01,
            message="the unit waiting for the other transaction",
        )
        await outside.execute(touch, 1)
    with pytest.raises(ConcurrencyError) as crossed:
        await group
    assert isinstance(crossed.value.__cause__, asyncpg.exceptions.DeadlockDetectedError), crossed.value.__cause__


async def test_a_unit_appending_twice_to_a_stream_writes_both_in_order(store):
    async with store.group_commits.unit() as unit:
        await unit.append([_append("twice", 0, "a")])
        await unit.append([_append("twice", 1, "b")])
        with pytest.raises(ConcurrencyError):
            await unit.append([_append("twice", 1, "c")])
    assert [e.stream_version for e in await store.load("twice")] == [1, 2]


async def test_a_group_whose_connection_the_server_closed_fails_its_units_with_a_connection_error(pool, table):
    """PostgreSQL ends the group's session (a restart): every unit of the group fails with a connection error (a 503
    `unavailable` for a request), none with asyncpg's "released back to the pool" (a 500)."""
    units = GroupCommits(pool, max_units=32, max_seconds=1)
    first_in = asyncio.Event()

    async def first() -> None:
        async with units.transaction() as conn:
            first_in.set()
            await conn.execute(f"INSERT INTO {table} VALUES (1)")
            backend = await conn.fetchval("SELECT pg_backend_pid()")
            await pool.execute("SELECT pg_terminate_backend($1)", backend)
            await conn.execute("SELECT 1")  # the session is gone

    async def second() -> None:
        await first_in.wait()  # joins the group while the first unit has its turn
        async with units.transaction() as conn:
            await conn.execute(f"INSERT INTO {table} VALUES (2)")

    results = await asyncio.gather(first(), second(), return_exceptions=True)
    for result in results:
        assert isinstance(result, asyncpg.PostgresConnectionError | asyncpg.InterfaceError), result
        assert database_unavailable(result), f"taken for a programming error: {result!r}"
    assert await pool.fetchval(f"SELECT count(*) FROM {table}") == 0


# Read-model rows a unit leaves for its group's commit (`Unit.defer`, the unit of work's batch projections).


def _rows(table: str, calls: list[int]):
    async def write_many(conn, projected) -> None:
        calls.append(len(projected))
        await conn.executemany(f"INSERT INTO {table} (unit) VALUES ($1)", [(n,) for n, _ in projected])

    return write_many


async def _leaving_a_row(store, pool, table: str, write_many, n: int, *, row: object = None) -> bool:
    async with store.group_commits.unit() as unit:
        await unit.append([_append(f"r-{n}", 0)])
        assert unit.defer(write_many, [(n if row is None else row, ())], [f"r-{n}"]), "no statement of its own yet"
    # Its block has returned: its row and its events are committed.
    return (
        await pool.fetchval(f"SELECT count(*) FROM {table} WHERE unit = $1", n) == 1
        and len(await store.load(f"r-{n}")) == 1
    )


async def test_rows_left_for_the_commit_are_written_in_one_statement_with_the_groups_events(store, pool, table):
    calls: list[int] = []
    write_many = _rows(table, calls)
    seen = await asyncio.gather(*(_leaving_a_row(store, pool, table, write_many, n) for n in range(20)))
    assert all(seen), "every unit's row and events were committed when its block returned"
    assert sum(calls) == 20 and len(calls) <= 2, f"20 rows in one statement per group, not {calls}"
    commits = await pool.fetchval(f"SELECT count(DISTINCT tx::text) FROM {table}")
    assert commits == len(calls)


async def test_a_unit_whose_left_row_fails_fails_alone_and_writes_no_event(store, pool, table):
    calls: list[int] = []
    write_many = _rows(table, calls)
    await pool.execute(f"INSERT INTO {table} (unit) VALUES (99)")
    results = await asyncio.gather(
        *(_leaving_a_row(store, pool, table, write_many, n, row=99 if n == 2 else None) for n in range(5)),
        return_exceptions=True,
    )
    assert isinstance(results[2], asyncpg.UniqueViolationError), results[2]
    assert [r for i, r in enumerate(results) if i != 2] == [True] * 4
    assert await store.load("r-2") == [], "the failed unit's events were not written"
    assert calls[0] == 5, "tried first in one statement, then unit by unit"


async def test_a_unit_whose_left_row_cannot_be_encoded_fails_alone(store, pool, table):
    calls: list[int] = []
    write_many = _rows(table, calls)
    results = await asyncio.gather(
        *(_leaving_a_row(store, pool, table, write_many, n, row="two" if n == 2 else None) for n in range(4)),
        return_exceptions=True,
    )
    assert isinstance(results[2], asyncpg.DataError), results[2]
    assert [r for i, r in enumerate(results) if i != 2] == [True] * 3
    assert await store.load("r-2") == []


async def test_a_unit_running_a_statement_after_leaving_rows_sees_them_written_first(store, pool, table):
    calls: list[int] = []
    write_many = _rows(table, calls)
    async with store.group_commits.unit() as unit:
        await unit.append([_append("seen", 0)])
        assert unit.defer(write_many, [(7, ())], ["seen"])
        assert await unit.connection.fetchval(f"SELECT count(*) FROM {table} WHERE unit = 7") == 1
        assert not unit.defer(write_many, [(8, ())], ["other"]), "in its turn, a unit writes its rows at once"
    assert calls == [1]
    assert [e.stream_version for e in await store.load("seen")] == [1]
