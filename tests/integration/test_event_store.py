"""The PostgreSQL event store: optimistic concurrency and commit-ordered positions."""

from __future__ import annotations

import asyncio
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
