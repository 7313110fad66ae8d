"""The PostgreSQL event store: optimistic concurrency and commit-ordered positions."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from shared.contracts.placement import EmployerRegistered, EmployerSize
from shared.errors import ConcurrencyError
from shared.eventstore import Tracing

pytestmark = pytest.mark.integration


def _ref(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


def _event(name: str = "E") -> EmployerRegistered:
    return EmployerRegistered(
        employer_id=uuid.uuid4(),
        siret="73282932000074",
        name_ref=_ref(name),
        size=EmployerSize.PME,
        sector="S",
        social_economy=True,
        siae=False,
        commune_code="93027",
    )


async def test_two_concurrent_appends_at_the_same_version_one_wins(store):
    await store.append("s-1", 0, [_event()], partition_key="k", tracing=Tracing.new())
    results = await asyncio.gather(
        store.append("s-1", 1, [_event("A")], partition_key="k", tracing=Tracing.new()),
        store.append("s-1", 1, [_event("B")], partition_key="k", tracing=Tracing.new()),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, ConcurrencyError)]
    winners = [r for r in results if isinstance(r, list)]
    assert len(conflicts) == 1 and len(winners) == 1
    stored = await store.load("s-1")
    assert [e.stream_version for e in stored] == [1, 2]
    assert stored[1].data["name_ref"] == winners[0][0].data["name_ref"]


async def test_load_returns_the_stream_in_order_with_its_metadata(store):
    tracing = Tracing.new()
    appended = await store.append(
        "s-2", 0, [_event("1"), _event("2")], partition_key="pk", tracing=tracing, subject="x"
    )
    loaded = await store.load("s-2")
    assert loaded == appended
    assert all(e.correlation_id == tracing.correlation_id and e.partition_key == "pk" for e in loaded)
    # What a fold reads: the same events, their data as the stored JSON text.
    stored = await store.load_stored("s-2")
    assert [(s.stream_id, s.stream_version, s.type, s.schema_version) for s in stored] == [
        (e.stream_id, e.stream_version, e.type, e.schema_version) for e in appended
    ]
    assert [json.loads(s.data) for s in stored] == [e.data for e in appended]


async def test_a_late_committing_transaction_is_never_skipped_by_readers(store, pool):
    """A slow transaction that started first must not let a reader move past its position."""
    async with pool.acquire() as slow, slow.transaction():
        await store.append("slow", 0, [_event("slow")], partition_key="k", tracing=Tracing.new(), conn=slow)
        # While the slow transaction is open, a second append waits for it instead of taking a higher
        # position and committing first.
        fast = asyncio.create_task(store.append("fast", 0, [_event("fast")], partition_key="k", tracing=Tracing.new()))
        await asyncio.sleep(0.5)
        assert not fast.done()
        assert await store.read_all(0, 100) == []
    await fast
    seen = await store.read_all(0, 100)
    assert [e.stream_id for e in seen] == ["slow", "fast"]
    assert seen[0].position < seen[1].position


async def test_read_all_pages_by_position(store):
    for i in range(5):
        await store.append(f"p-{i}", 0, [_event(str(i))], partition_key="k", tracing=Tracing.new())
    first = await store.read_all(0, 2)
    rest = await store.read_all(first[-1].position, 10)
    assert [e.data["name_ref"] for e in first + rest] == [str(_ref(n)) for n in "01234"]


async def test_concurrent_appends_are_written_together_each_at_its_expected_version(store, pool):
    """Appends without a transaction of their own share group commits: all written, positions in commit order."""
    appended = await asyncio.gather(
        *(store.append(f"g-{i}", 0, [_event(f"g{i}")], partition_key="k", tracing=Tracing.new()) for i in range(40))
    )
    stored = await store.read_all(0, 100)
    assert len(stored) == 40
    assert [e.position for e in stored] == sorted(e.position for e in stored)
    assert {e[0].stream_id: e[0].position for e in appended} == {e.stream_id: e.position for e in stored}
    commits = await pool.fetchval(
        f"SELECT count(DISTINCT xmin::text) FROM {store.schema}.events WHERE stream_id LIKE 'g-%'"
    )
    assert commits < 40, "concurrent appends shared transactions"


async def test_a_conflicting_append_fails_alone_in_its_group(store):
    await store.append("c-b", 0, [_event("b0")], partition_key="k", tracing=Tracing.new())
    results = await asyncio.gather(
        store.append("c-a", 0, [_event("a")], partition_key="k", tracing=Tracing.new()),
        store.append("c-b", 0, [_event("b")], partition_key="k", tracing=Tracing.new()),  # it is at 1
        store.append("c-c", 0, [_event("c")], partition_key="k", tracing=Tracing.new()),
        return_exceptions=True,
    )
    assert isinstance(results[1], ConcurrencyError)
    assert [len(results[0]), len(results[2])] == [1, 1]
    assert [e.stream_version for e in await store.load("c-a")] == [1]
    assert [e.stream_version for e in await store.load("c-b")] == [1]
    assert [e.stream_version for e in await store.load("c-c")] == [1]


async def test_two_appends_to_one_stream_in_a_burst_are_checked_one_after_the_other(store):
    first, second = await asyncio.gather(
        store.append("t-1", 0, [_event("t0")], partition_key="k", tracing=Tracing.new()),
        store.append("t-1", 1, [_event("t1")], partition_key="k", tracing=Tracing.new()),
    )
    assert [first[0].stream_version, second[0].stream_version] == [1, 2]
    assert first[0].position < second[0].position
