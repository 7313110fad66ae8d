"""Kafka records to projection events, without building an envelope model per record.

The projection reads four CloudEvents attributes (`ce_type`, `ce_streamid`, `ce_streamversion`, `ce_time`) and
the JSON data. Events of the current schema version are read as they are (their producer validated them);
older versions go through the registry's upcasters; a version newer than this code knows is not skipped:
`NewerSchemaVersion` holds consumption back until reporting is upgraded.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from services.reporting.domain import projection
from services.reporting.domain.projection import Event
from shared.contracts import REGISTRY
from shared.envelope import SPEC_VERSION
from shared.errors import EnvelopeError, UnknownEventType
from shared.events import Origin

_SPEC_VERSION = SPEC_VERSION.encode()
_CURRENT = {cls.event_type(): cls.schema_version for cls in REGISTRY.classes()}
# The `ce_schemaversion` header of an event of the current version, as it is on the wire (no int() per record).
_CURRENT_RAW = {event_type: str(version).encode() for event_type, version in _CURRENT.items()}


class NewerSchemaVersion(Exception):  # noqa: N818 - a condition to wait out, not a failure of the record
    """An event of a schema version newer than this code knows: reporting must be upgraded to read it."""


def to_event(value: bytes | None, headers: Sequence[tuple[str, bytes]] | None) -> Event | None:
    """The projection event of a record; None for an event type the projection does not fold.

    Raises `EnvelopeError` for a record that is not a readable event (it goes to the dead-letter topic) and
    `NewerSchemaVersion` for an event this code is too old to read.
    """
    attrs = dict(headers or ())
    try:
        if attrs.get("ce_specversion") != _SPEC_VERSION:
            raise EnvelopeError(f"not a CloudEvents {SPEC_VERSION} record")
        event_type = attrs["ce_type"].decode()
        if not projection.handles(event_type):
            return None
        if value is None:
            raise EnvelopeError("record has no value")
        # orjson reads the UTF-8 bytes as they are (no str made first); invalid JSON or UTF-8 is a ValueError.
        data = orjson.loads(value)
        if not isinstance(data, dict):
            raise EnvelopeError("event data is not a JSON object")
        stream_id, stream_version = attrs["ce_streamid"].decode(), int(attrs["ce_streamversion"])
        raw_version = attrs.get("ce_schemaversion", b"1")
        if raw_version != _CURRENT_RAW.get(event_type):
            version = int(raw_version)
            current = _CURRENT.get(event_type, 1)
            if version > current:
                raise NewerSchemaVersion(
                    f"{event_type} v{version} is newer than the known v{current}: upgrade reporting"
                )
            if version < current:
                origin = Origin(stream_id, stream_version)
                data = REGISTRY.decode(event_type, version, data, origin).model_dump(mode="json")
        return Event(event_type, stream_id, stream_version, attrs["ce_time"].decode(), data)
    except (KeyError, ValueError, UnicodeDecodeError, UnknownEventType) as e:
        raise EnvelopeError(f"malformed event record: {e!r}") from e
