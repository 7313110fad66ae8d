"""Facts: one row per thing the department counts (accompaniment, barrier, workshop session, hire...).

Each row remembers, for every stream that changed it, the last version of that stream it applied, so a
redelivered or replayed event changes nothing: the projection is idempotent and can be rebuilt from the
topics with the same result. Indicators are computed from the rows (see `indicators.py`), for any period
and as of any date, because rows keep the dates of what happened to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.contracts import REGISTRY
from shared.envelope import Envelope
from shared.events import DomainEvent, Origin

Row = dict[str, Any]
Lookup = Callable[[str], Row | None]
Handler = Callable[[Any, Envelope, Lookup], list[tuple[str, Row]]]

HANDLERS: dict[str, Handler] = {}


def on(*event_classes: type[DomainEvent]) -> Callable[[Handler], Handler]:
    """Register a handler turning an event into row changes."""

    def register(handler: Handler) -> Handler:
        for cls in event_classes:
            HANDLERS[cls.event_type()] = handler
        return handler

    return register


def handles(event_type: str) -> bool:
    """True when the projection reacts to this event type."""
    return event_type in HANDLERS


def apply(envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    """Row changes caused by one event; a row that already applied this version of the stream is left alone.

    Raises `EnvelopeError` when a known event's payload cannot be read (it is then dead-lettered).
    """
    handler = HANDLERS.get(envelope.type)
    if handler is None:
        return []
    origin = Origin(envelope.stream_id, envelope.stream_version)
    event = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data, origin)
    changes = []
    for key, row in handler(event, envelope, lookup):
        existing = lookup(key) or {}
        versions = dict(existing.get("_versions", {}))
        if versions.get(envelope.stream_id, 0) >= envelope.stream_version:
            continue
        versions[envelope.stream_id] = envelope.stream_version
        changes.append((key, {**row, "_versions": versions}))
    return changes


def fold(envelopes, rows: dict[str, Row] | None = None) -> dict[str, Row]:
    """Rows after a sequence of events (used by the rebuild and by tests)."""
    rows = {} if rows is None else rows
    for envelope in envelopes:
        for key, row in apply(envelope, rows.get):
            rows[key] = row
    return rows
