from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.envelope import Envelope
from shared.errors import EnvelopeError


def _envelope(**overrides) -> Envelope:
    fields = dict(
        id=uuid.uuid4(),
        source="/ali/intake",
        type="ali.intake.BeneficiaryEnrolled",
        subject="b-1",
        time=datetime.now(UTC),
        dataschema="urn:ali:schema:intake:BeneficiaryEnrolled:v1",
        schema_version=1,
        stream_id="beneficiary-1",
        stream_version=3,
        partition_key="b-1",
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        position=42,
        data={"agency_id": "ali-la-courneuve", "n": 1},
    )
    return Envelope(**(fields | overrides))


def test_binary_mode_round_trip_keeps_every_attribute():
    envelope = _envelope()
    assert Envelope.from_kafka(envelope.kafka_value(), envelope.kafka_headers()) == envelope


def test_headers_follow_the_cloudevents_kafka_binding():
    headers = dict(_envelope().kafka_headers())
    assert headers["ce_specversion"] == b"1.0"
    assert headers["content-type"] == b"application/json"
    for attribute in ("id", "source", "type", "time", "dataschema", "subject", "streamid", "streamversion"):
        assert f"ce_{attribute}" in headers


def test_key_is_the_partition_key():
    assert _envelope(partition_key="person-7").kafka_key() == b"person-7"


def test_optional_attributes_are_left_out_when_absent():
    headers = dict(_envelope(subject=None, causation_id=None).kafka_headers())
    assert "ce_subject" not in headers and "ce_causationid" not in headers


@pytest.mark.parametrize(
    "value, headers",
    [
        (b"not json", None),
        (b"{}", [("ce_specversion", b"0.3")]),
        (b"[1, 2]", _envelope().kafka_headers()),
        (b"\xff\xfe", _envelope().kafka_headers()),
        (b'{"a": 1}', [h for h in _envelope().kafka_headers() if h[0] != "ce_id"]),
    ],
)
def test_malformed_records_raise_envelope_error(value, headers):
    with pytest.raises(EnvelopeError):
        Envelope.from_kafka(value, headers)
