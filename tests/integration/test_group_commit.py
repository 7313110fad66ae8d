"""Units of work running at the same time share a transaction and its commit, each still all-or-nothing."""

from __future__ import annotations

import asyncio

import pytest

from shared.adapters.group_commit import GroupCommits

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
