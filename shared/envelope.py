"""The event envelope: CloudEvents 1.0 attributes plus stream, ordering and tracing metadata.

On Kafka the envelope travels in CloudEvents *binary* mode: the data is the record value
(`content-type: application/json`) and every attribute is a `ce_*` header.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.errors import EnvelopeError

if TYPE_CHECKING:
    from shared.events import DomainEvent

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = Sequence[tuple[str, bytes]]

# CloudEvents extension attribute names must be lower-case alphanumerics.
EXTENSIONS = {
    "schemaversion": "schema_version",
    "streamid": "stream_id",
    "streamversion": "stream_version",
    "partitionkey": "partition_key",
    "correlationid": "correlation_id",
    "causationid": "causation_id",
    "position": "position",
}


class Envelope(BaseModel):
    """One recorded event with its metadata, as stored, published and consumed."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    source: str
    type: str
    subject: str | None = None
    time: datetime
    dataschema: str
    schema_version: int
    stream_id: str
    stream_version: int
    partition_key: str
    correlation_id: UUID
    causation_id: UUID | None = None
    position: int | None = None
    data: dict[str, Any]

    @classmethod
    def of(
        cls,
        event: DomainEvent,
        *,
        source: str,
        stream_id: str,
        stream_version: int,
        partition_key: str,
        correlation_id: UUID,
        causation_id: UUID | None = None,
        subject: str | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """A new envelope for `event` (its type, schema and data) at `stream_version` of `stream_id`, now by default."""
        return cls(
            id=uuid.uuid4(),
            source=source,
            type=event.event_type(),
            subject=subject,
            time=time or datetime.now(UTC),
            dataschema=event.dataschema(),
            schema_version=event.schema_version,
            stream_id=stream_id,
            stream_version=stream_version,
            partition_key=partition_key,
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=event.model_dump(mode="json"),
        )

    def kafka_key(self) -> bytes:
        """Record key: the stream's partition key, so one person's events stay in one partition, in order."""
        return self.partition_key.encode()

    def kafka_value(self) -> bytes:
        """Record value: the event data as JSON."""
        return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False).encode()

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        """`ce_*` headers of the CloudEvents Kafka binding, binary mode."""
        attrs: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat(),
            "dataschema": self.dataschema,
            "subject": self.subject,
        }
        for ext, field in EXTENSIONS.items():
            attrs[ext] = getattr(self, field)
        headers = [(f"ce_{k}", str(v).encode()) for k, v in attrs.items() if v is not None]
        headers.append(("content-type", CONTENT_TYPE.encode()))
        return headers

    @staticmethod
    def type_in_headers(headers: Headers | None) -> str | None:
        """The type a binary-mode CloudEvent record declares in its headers, without reading its value; None when
        its headers are not those of a CloudEvents record."""
        spec = kind = None
        for key, value in headers or ():
            if key == "ce_type":
                kind = value
            elif key == "ce_specversion":
                spec = value
        if spec != SPEC_VERSION.encode() or not kind:
            return None
        try:
            return kind.decode()
        except UnicodeDecodeError:
            return None

    @classmethod
    def from_kafka(cls, value: bytes | None, headers: Headers | dict[str, bytes] | None) -> Envelope:
        """Read a binary-mode CloudEvent; raises `EnvelopeError` for anything that is not one."""
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        try:
            attrs = {k[3:]: v.decode() for k, v in items if k.startswith("ce_") and v is not None}
            if attrs.get("specversion") != SPEC_VERSION:
                raise EnvelopeError(
                    f"not a CloudEvents {SPEC_VERSION} record (specversion={attrs.get('specversion')!r})"
                )
            if value is None:
                raise EnvelopeError("record has no value")
            data = json.loads(value)
            if not isinstance(data, dict):
                raise EnvelopeError("event data is not a JSON object")
            fields: dict[str, Any] = {
                k: attrs.get(k) for k in ("id", "source", "type", "subject", "time", "dataschema")
            }
            for ext, field in EXTENSIONS.items():
                fields[field] = attrs.get(ext)
            return cls.model_validate({**fields, "data": data})
        except (UnicodeDecodeError, json.JSONDecodeError, ValidationError) as e:
            raise EnvelopeError(f"malformed event record: {e}") from e
