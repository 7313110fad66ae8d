from __future__ import annotations

import uuid

import pytest

from shared.errors import ConcurrencyError
from shared.eventstore import Tracing
from tests.builders import employer_registered
from tests.fakes.eventstore import InMemoryEventStore


async def test_append_numbers_versions_and_positions():
    store = InMemoryEventStore()
    first = await store.append(
        "s-1", 0, [employer_registered(1), employer_registered(2)], partition_key="k", tracing=Tracing.new()
    )
    second = await store.append("s-2", 0, [employer_registered(3)], partition_key="k", tracing=Tracing.new())
    assert [e.stream_version for e in first] == [1, 2]
    assert [e.position for e in first + second] == [1, 2, 3]
    assert [e.data["name_ref"] for e in await store.load("s-1")] == [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]


async def test_append_at_a_stale_version_is_a_conflict():
    store = InMemoryEventStore()
    await store.append("s-1", 0, [employer_registered(1)], partition_key="k", tracing=Tracing.new())
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("s-1", 0, [employer_registered(2)], partition_key="k", tracing=Tracing.new())
    assert raised.value.actual == 1


async def test_caused_by_continues_the_conversation():
    store = InMemoryEventStore()
    [cause] = await store.append("s-1", 0, [employer_registered(1)], partition_key="k", tracing=Tracing.new())
    [effect] = await store.append(
        "s-2", 0, [employer_registered(2)], partition_key="k", tracing=Tracing.caused_by(cause)
    )
    assert effect.correlation_id == cause.correlation_id and effect.causation_id == cause.id
