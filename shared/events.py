"""Domain events: frozen pydantic models registered by type and schema version, with upcasters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.errors import EnvelopeError, NewerSchemaVersion, UnknownEventType

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Origin:
    """Where a recorded event sits: its stream and its version in it, stable across replays and rebuilds.

    An upcaster registered with `needs_origin=True` receives it, to derive what an old version lacked from the
    event's own position (an identity, say) rather than from its payload.
    """

    stream_id: str
    stream_version: int


PositionedUpcaster = Callable[[dict[str, Any], Origin], dict[str, Any]]


class DomainEvent(BaseModel):
    """Base of every event: immutable, closed to unknown fields, named in the past tense."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    context: ClassVar[str]
    schema_version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        """CloudEvents `type`, e.g. `ali.intake.BeneficiaryEnrolled`."""
        return f"ali.{cls.context}.{cls.__name__}"

    @classmethod
    def dataschema(cls) -> str:
        """CloudEvents `dataschema`: the URI of the JSON Schema the data conforms to."""
        return f"urn:ali:schema:{cls.context}:{cls.__name__}:v{cls.schema_version}"


class EventRegistry:
    """Maps (type, schema version) to event classes and upcasts old payloads to the current version."""

    def __init__(self, classes: Iterable[type[DomainEvent]] = ()) -> None:
        self._current: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster | PositionedUpcaster] = {}
        self._needs_origin: set[tuple[str, int]] = set()
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[DomainEvent]) -> type[DomainEvent]:
        """Register the current version of an event class."""
        self._current[cls.event_type()] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int, *, needs_origin: bool = False) -> Callable[[Any], Any]:
        """Register a function turning version `from_version` of a payload into `from_version + 1`.

        With `needs_origin`, the function is called as `fn(payload, origin)`: such events can only be decoded
        with their `Origin` (every reader of recorded events has it: the envelope's stream id and version).
        """

        def decorate(fn: Any) -> Any:
            self._upcasters[(event_type, from_version)] = fn
            if needs_origin:
                self._needs_origin.add((event_type, from_version))
            return fn

        return decorate

    def decode_json(
        self, event_type: str, schema_version: int, data: str | bytes, origin: Origin | None = None
    ) -> DomainEvent:
        """`decode` of a payload still in its JSON text (as stored): the current version is validated straight
        from the text, an older one is parsed and upcast first."""
        cls = self._current.get(event_type)
        if cls is None or schema_version != cls.schema_version:
            return self.decode(event_type, schema_version, orjson.loads(data), origin)
        try:
            return cls.model_validate_json(data)
        except ValidationError as e:
            raise EnvelopeError(f"invalid {event_type} v{schema_version} payload: {e}") from e

    def merged(self, other: EventRegistry) -> EventRegistry:
        """A registry knowing the events of both."""
        merged = EventRegistry()
        for source in (self, other):
            merged._current.update(source._current)
            merged._upcasters.update(source._upcasters)
            merged._needs_origin.update(source._needs_origin)
        return merged

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._current

    def current(self, event_type: str) -> type[DomainEvent]:
        """The current class of an event type."""
        cls = self._current.get(event_type)
        if cls is None:
            raise UnknownEventType(f"unknown event type {event_type!r}")
        return cls

    def known_version(self, event_type: str) -> int | None:
        """The newest schema version of `event_type` this registry can decode (None for an unknown type)."""
        cls = self._current.get(event_type)
        return cls.schema_version if cls is not None else None

    def classes(self) -> list[type[DomainEvent]]:
        """Current classes, sorted by type."""
        return [self._current[t] for t in sorted(self._current)]

    def decode(
        self, event_type: str, schema_version: int, data: dict[str, Any], origin: Origin | None = None
    ) -> DomainEvent:
        """Build the current event class from a stored or received payload of any known version.

        `origin` (the event's stream and version) is needed by the upcasters that derive from it; decoding such an
        old version without it is an `EnvelopeError`.
        """
        cls = self._current.get(event_type)
        if cls is None:
            raise UnknownEventType(f"unknown event type {event_type!r}")
        if schema_version > cls.schema_version:
            raise NewerSchemaVersion(event_type, schema_version, cls.schema_version)
        payload = dict(data)
        for version in range(schema_version, cls.schema_version):
            upcast = self._upcasters.get((event_type, version))
            if upcast is None:
                raise UnknownEventType(f"no upcaster for {event_type} v{version} -> v{version + 1}")
            if (event_type, version) in self._needs_origin:
                if origin is None:
                    raise EnvelopeError(
                        f"{event_type} v{version} is upcast from its position in its stream: decode it with its origin"
                    )
                payload = upcast(payload, origin)
            else:
                payload = upcast(payload)
        try:
            return cls.model_validate(payload)
        except ValidationError as e:
            raise EnvelopeError(f"invalid {event_type} v{schema_version} payload: {e}") from e
