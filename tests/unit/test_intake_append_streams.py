from __future__ import annotations

import uuid
from datetime import date

import pytest

from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.errors import ConcurrencyError
from shared.eventstore import StreamAppend, Tracing
from tests.fakes.eventstore import InMemoryEventStore


def _event() -> BeneficiaryPersonalDataErased:
    return BeneficiaryPersonalDataErased(beneficiary_id=uuid.uuid4(), erased_on=date(2025, 1, 1))


def _item(stream: str, expected: int = 0, events: int = 1) -> StreamAppend:
    return StreamAppend(
        stream, expected, [_event() for _ in range(events)], partition_key=stream, tracing=Tracing.new()
    )


async def test_append_streams_appends_to_every_stream_in_order():
    store = InMemoryEventStore()
    await store.append("b", 0, [_event()], partition_key="b", tracing=Tracing.new())
    appended = await store.append_streams(None, [_item("a", events=2), _item("b", expected=1), _item("c", events=0)])
    assert [(e.stream_id, e.stream_version, e.position) for e in appended] == [("a", 1, 2), ("a", 2, 3), ("b", 2, 4)]


async def test_append_streams_appends_nothing_when_one_stream_is_not_at_its_expected_version():
    store = InMemoryEventStore()
    await store.append("b", 0, [_event()], partition_key="b", tracing=Tracing.new())
    with pytest.raises(ConcurrencyError) as raised:
        await store.append_streams(None, [_item("a"), _item("b", expected=0)])
    assert raised.value.stream_id == "b" and len(store.events) == 1


async def test_append_streams_refuses_a_stream_named_twice():
    with pytest.raises(ValueError, match="each stream once"):
        await InMemoryEventStore().append_streams(None, [_item("a"), _item("a", expected=1)])
