from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import ValidationError

from shared.errors import EnvelopeError, UnknownEventType
from shared.events import DomainEvent, EventRegistry


class ThingHappened(DomainEvent):
    context: ClassVar[str] = "test"
    schema_version: ClassVar[int] = 3
    name: str
    count: int


def _registry() -> EventRegistry:
    registry = EventRegistry([ThingHappened])

    @registry.upcaster("ali.test.ThingHappened", 1)
    def v1_to_v2(data):
        return {"name": data["label"]}

    @registry.upcaster("ali.test.ThingHappened", 2)
    def v2_to_v3(data):
        return {**data, "count": 0}

    return registry


def test_old_versions_are_upcast_to_the_current_class():
    event = _registry().decode("ali.test.ThingHappened", 1, {"label": "x"})
    assert event == ThingHappened(name="x", count=0)


def test_current_version_decodes_without_upcasting():
    assert _registry().decode("ali.test.ThingHappened", 3, {"name": "y", "count": 2}).count == 2


def test_a_payload_in_its_json_text_decodes_as_its_parsed_dict_does():
    registry = _registry()
    assert registry.decode_json("ali.test.ThingHappened", 3, '{"count": 2, "name": "y"}') == ThingHappened(
        name="y", count=2
    )
    assert registry.decode_json("ali.test.ThingHappened", 1, '{"label": "x"}') == ThingHappened(name="x", count=0)
    with pytest.raises(EnvelopeError):
        registry.decode_json("ali.test.ThingHappened", 3, '{"name": "y", "count": "many"}')
    with pytest.raises(UnknownEventType):
        registry.decode_json("ali.test.ThingHappened", 4, "{}")
    with pytest.raises(UnknownEventType):
        registry.decode_json("ali.test.Nothing", 1, "{}")


def test_unknown_type_and_future_version_are_refused():
    with pytest.raises(UnknownEventType):
        _registry().decode("ali.test.Nothing", 1, {})
    with pytest.raises(UnknownEventType):
        _registry().decode("ali.test.ThingHappened", 4, {})


def test_invalid_payload_is_an_envelope_error():
    with pytest.raises(EnvelopeError):
        _registry().decode("ali.test.ThingHappened", 3, {"name": "y", "count": "many"})


def test_events_are_frozen_and_closed():
    event = ThingHappened(name="a", count=1)
    with pytest.raises(ValidationError):
        event.count = 2
    with pytest.raises(ValidationError):
        ThingHappened(name="a", count=1, extra=True)
