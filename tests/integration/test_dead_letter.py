"""Poison messages go to the dead-letter topic with their error; the consumer goes on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.contracts.accompaniment import AccompanimentOpened
from shared.contracts.intake import BeneficiaryEnrolled
from shared.envelope import Envelope
from shared.kafka import ensure_topics, make_producer
from tests.builders import enrolment
from tests.support import ServiceProcess, read_topic, service_env, wait_until

pytestmark = pytest.mark.integration


def _enrolment_envelope(data: dict) -> Envelope:
    beneficiary = data.get("beneficiary_id", str(uuid.uuid4()))
    return Envelope(
        id=uuid.uuid4(),
        source="/ali/intake",
        type=BeneficiaryEnrolled.event_type(),
        time=datetime.now(UTC),
        dataschema=BeneficiaryEnrolled.dataschema(),
        schema_version=1,
        stream_id=f"beneficiary-{beneficiary}",
        stream_version=1,
        partition_key=str(beneficiary),
        correlation_id=uuid.uuid4(),
        data=data,
    )


async def test_malformed_messages_are_dead_lettered_and_later_good_ones_handled(infra, pool, run_id):
    # The poison is published as intake's principal would, on intake's topic of this run.
    settings = infra.settings("intake", topic_suffix=run_id)
    source = settings.topic("intake.events")
    await ensure_topics(settings, [source])
    good = enrolment(agency_id="ali-stains", commune_code="93072")
    not_json = (b"\x00\x01 definitely not json", [("ce_specversion", b"1.0"), ("ce_id", b"x")])
    invalid = _enrolment_envelope({"beneficiary_id": str(uuid.uuid4()), "agency_id": "ali-stains"})
    valid = _enrolment_envelope(good.model_dump(mode="json"))
    producer = make_producer(settings)
    await producer.start()
    try:
        # All on one key, hence one partition: the good message comes after both poison ones.
        for value, headers in [
            not_json,
            (invalid.kafka_value(), invalid.kafka_headers()),
            (valid.kafka_value(), valid.kafka_headers()),
        ]:
            await producer.send_and_wait(source, value=value, key=b"same-person", headers=headers)
    finally:
        await producer.stop()

    consumer = ServiceProcess("accompaniment", "consume", service_env(infra, run_id), f"{run_id}-dlq")
    try:

        async def opened():
            try:
                return await pool.fetchval(
                    f"SELECT count(*) FROM {run_id}_accompaniment.accompaniments WHERE beneficiary_id = $1",
                    good.beneficiary_id,
                )
            except Exception:  # noqa: BLE001 - schema not created yet
                return 0

        await wait_until(opened, timeout=60, message="the good enrolment to open an accompaniment")
        dead = await read_topic(infra.kafka, settings.topic("accompaniment.dlq"), expect=2)
    finally:
        consumer.stop()
    assert len(dead) == 2
    assert all(dict(r.headers)["dlq_error_type"] == b"EnvelopeError" for r in dead)
    first, second = sorted(dead, key=lambda r: int(dict(r.headers)["dlq_source_offset"]))
    assert first.value == not_json[0]
    assert b"malformed event record" in dict(first.headers)["dlq_error"]
    assert second.value == invalid.kafka_value()
    assert b"invalid ali.intake.BeneficiaryEnrolled" in dict(second.headers)["dlq_error"]
    for record in dead:
        headers = dict(record.headers)
        assert headers["dlq_source_topic"] == source.encode()
        assert headers["dlq_consumer"] == b"intake-events"


async def test_a_run_of_enrolments_opens_each_once_and_dead_letters_only_the_person_already_followed(
    infra, pool, run_id
):
    settings = infra.settings("intake", topic_suffix=run_id)
    source = settings.topic("intake.events")
    await ensure_topics(settings, [source])
    people = [enrolment(agency_id="ali-stains", commune_code="93072") for _ in range(8)]
    envelopes = [_enrolment_envelope(p.model_dump(mode="json")) for p in people]
    again = _enrolment_envelope(people[2].model_dump(mode="json"))  # a second enrolment of a person followed
    # One key, one partition: read as one run; the first enrolment is delivered twice.
    run = [*envelopes[:5], envelopes[0], again, *envelopes[5:]]
    producer = make_producer(settings)
    await producer.start()
    try:
        for envelope in run:
            await producer.send(source, value=envelope.kafka_value(), key=b"one-run", headers=envelope.kafka_headers())
        await producer.flush()
    finally:
        await producer.stop()

    consumer = ServiceProcess("accompaniment", "consume", service_env(infra, run_id), f"{run_id}-run")
    try:

        async def opened():
            try:
                return await pool.fetchval(
                    f"""SELECT count(*) FROM {run_id}_accompaniment.accompaniments
                        WHERE beneficiary_id = ANY($1::uuid[])""",
                    [p.beneficiary_id for p in people],
                )
            except Exception:  # noqa: BLE001 - schema not created yet
                return 0

        await wait_until(lambda: _is(opened, 8), timeout=90, message="the eight people's accompaniments to open")
        [dead] = await read_topic(infra.kafka, settings.topic("accompaniment.dlq"), expect=1)
        events = await pool.fetch(
            f"""SELECT causation_id, count(*) AS n FROM {run_id}_accompaniment.events
                WHERE type = $1 GROUP BY causation_id""",
            AccompanimentOpened.event_type(),
        )
    finally:
        consumer.stop()
    assert dead.value == again.kafka_value()
    assert dict(dead.headers)["dlq_error_type"] == b"AlreadyFollowed"
    assert {r["causation_id"] for r in events} == {e.id for e in envelopes}
    assert all(r["n"] == 1 for r in events), "each enrolment opened one accompaniment, the redelivered one too"


async def _is(count, expected: int) -> bool:
    return await count() == expected
