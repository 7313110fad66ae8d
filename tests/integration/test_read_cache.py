"""Answers kept until the read model changes: never older than a commit made before the read came."""

from __future__ import annotations

import asyncio

import pytest

from shared.migrations import pool_connector
from shared.read_cache import ReadCache, ReadModelChanges
from shared.runtime import Supervisor
from tests.support import wait_until


def _listening(cache: ReadCache):
    async def check() -> bool:
        return cache.changes.generation is not None

    return check


def _not_listening(cache: ReadCache):
    async def check() -> bool:
        return cache.changes.generation is None

    return check


pytestmark = pytest.mark.integration


@pytest.fixture
async def model(pool, run_id):
    """A one-row read model, and a writer that changes it and notifies at commit as an append does."""
    table, channel = f"{run_id}_read_cache", f"{run_id}_events"
    await pool.execute(f"CREATE TABLE {table} (n int NOT NULL)")
    await pool.execute(f"INSERT INTO {table} VALUES (0)")

    async def write(n: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"UPDATE {table} SET n = $1", n)
            await conn.execute("SELECT pg_notify($1, '')", channel)

    yield table, channel, write
    await pool.execute(f"DROP TABLE {table}")


@pytest.fixture
async def supervisor():
    running = Supervisor()
    yield running
    await running.shutdown()


class _Reads:
    """Reads of the one-row model, counted."""

    def __init__(self, pool, table: str) -> None:
        self.pool, self.table, self.computed = pool, table, 0

    async def __call__(self) -> int:
        self.computed += 1
        return await self.pool.fetchval(f"SELECT n FROM {self.table}")


def _cache(pool, channel: str, supervisor: Supervisor, size: int = 8) -> ReadCache:
    changes = ReadModelChanges(
        pool_connector(pool), channel, lambda follow: supervisor.start("read-model-changes", follow)
    )
    return ReadCache(changes, size)


async def _listening_cache(pool, model, supervisor: Supervisor) -> tuple[ReadCache, _Reads, int]:
    """A cache over the model, listening once its first read (computed, returned) started it; its counted reader."""
    table, channel, _write = model
    cache, read = _cache(pool, channel, supervisor), _Reads(pool, table)
    first = await cache.get("k", read)  # the first read starts listening; nothing is kept before
    await wait_until(_listening(cache), timeout=10)
    return cache, read, first


async def test_an_answer_is_kept_until_a_commit_and_a_read_after_the_commit_never_gets_the_old_one(
    pool, model, supervisor
):
    write = model[2]
    cache, read, first = await _listening_cache(pool, model, supervisor)
    assert first == 0
    assert [await cache.get("k", read) for _ in range(2)] == [0, 0]
    assert read.computed == 2, "computed once listening, then kept"
    for n in range(1, 31):
        await write(n)  # committed (on another connection) before the read below starts: it must be seen
        assert await cache.get("k", read) == n
        assert await cache.get("k", read) == n
    assert read.computed == 2 + 30, "one computation per commit, the second read of each kept"


async def test_reads_at_the_same_time_share_round_trips_and_each_sees_the_commits_made_before_it(
    pool, model, supervisor
):
    write = model[2]
    cache, read, _first = await _listening_cache(pool, model, supervisor)
    for n in range(1, 11):
        await write(n)
        assert await asyncio.gather(*(cache.get("k", read) for _ in range(20))) == [n] * 20
    assert cache.changes.round_trips <= 10 * 2, "20 reads at once wait for one round trip (two at most)"


async def test_nothing_is_kept_while_the_listening_connection_is_lost_and_keeping_resumes_after(
    pool, model, supervisor
):
    _table, channel, write = model
    cache, read, _first = await _listening_cache(pool, model, supervisor)
    listening = await pool.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND position($1 in query) > 0", channel
    )
    assert listening is not None, "the listening session"
    await pool.execute("SELECT pg_terminate_backend($1)", listening)
    await wait_until(_not_listening(cache), timeout=10)
    # A commit while nobody listens: a read must not get the answer kept before.
    await write(7)
    assert cache.changes.generation is None  # the supervisor listens again after a second's backoff
    before = read.computed
    assert await cache.get("k", read) == 7 and await cache.get("k", read) == 7
    assert read.computed == before + 2, "computed on every read while not listening"
    assert supervisor.states["read-model-changes"].restarts >= 1
    await wait_until(_listening(cache), timeout=15)  # the supervisor listens again
    await cache.get("k", read)
    before = read.computed
    assert await cache.get("k", read) == 7 and read.computed == before, "kept again once listening"
    await write(8)
    assert await cache.get("k", read) == 8


async def test_the_least_recently_read_answers_are_dropped_beyond_the_size(pool, model, supervisor):
    _table, channel, _write = model
    cache = _cache(pool, channel, supervisor, size=2)
    computed: list[str] = []

    async def read(key: str) -> str:
        computed.append(key)
        return key

    await cache.get("a", lambda: read("a"))
    await wait_until(_listening(cache), timeout=10)
    for key in ("a", "b", "a", "c", "a", "b"):
        assert await cache.get(key, lambda key=key: read(key)) == key
    # a, b computed; a kept; c computed (b dropped: least recently read); a kept; b computed again.
    assert computed == ["a", "a", "b", "c", "b"]


async def test_a_read_that_cannot_know_it_heard_every_commit_computes(pool, model, supervisor, monkeypatch):
    table, channel, _write = model
    cache = _cache(pool, channel, supervisor)
    await cache.get("k", lambda: pool.fetchval(f"SELECT n FROM {table}"))
    await wait_until(_listening(cache), timeout=10)

    # The round trip cannot be made (no listening connection at hand).
    monkeypatch.setattr(cache.changes, "_conn", None)
    assert await cache.changes.synced() is None
    computed = []

    async def read() -> int:
        computed.append(1)
        return 5

    assert await cache.get("k", read) == 5 and await cache.get("k", read) == 5 and len(computed) == 2


async def test_a_commit_answered_just_before_is_always_heard_of(pool, model, supervisor):
    table, channel, _write = model
    cache = _cache(pool, channel, supervisor)
    await cache.changes.synced()
    await wait_until(_listening(cache), timeout=10)
    async with pool.acquire() as writer:
        missed = 0
        for n in range(300):
            before = await cache.changes.synced()
            # One implicit transaction: its answer comes once it is committed, the read follows at once.
            await writer.execute(f"UPDATE {table} SET n = {n}; SELECT pg_notify('{channel}', '')")
            missed += await cache.changes.synced() == before
    assert missed == 0, f"{missed} of 300 reads right after a commit did not know of it"
