"""Domain events: frozen pydantic models registered by type and schema version, with upcasters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.errors import EnvelopeError, NewerSchemaVersion, UnknownEventType

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


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
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[DomainEvent]) -> type[DomainEvent]:
        """Register the current version of an event class."""
        self._current[cls.event_type()] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function turning version `from_version` of a payload into `from_version + 1`."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return decorate

    def merged(self, other: EventRegistry) -> EventRegistry:
        """A registry knowing the events of both."""
        merged = EventRegistry()
        for source in (self, other):
            merged._current.update(source._current)
            merged._upcasters.update(source._upcasters)
        return merged

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._current

    def known_version(self, event_type: str) -> int | None:
        """The newest schema version of `event_type` this registry can decode (None for an unknown type)."""
        cls = self._current.get(event_type)
        return cls.schema_version if cls is not None else None

    def classes(self) -> list[type[DomainEvent]]:
        """Current classes, sorted by type."""
        return [self._current[t] for t in sorted(self._current)]

    def decode(self, event_type: str, schema_version: int, data: dict[str, Any]) -> DomainEvent:
        """Build the current event class from a stored or received payload of any known version."""
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
            payload = upcast(payload)
        try:
            return cls.model_validate(payload)
        except ValidationError as e:
            raise EnvelopeError(f"invalid {event_type} v{schema_version} payload: {e}") from e
