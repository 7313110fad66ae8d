"""The consumer runtime's decisions, with fakes of the database and of the dead-letter producer."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import pytest
from tenacity import wait_none

from shared.consumer import BatchedHandler, EventConsumer
from shared.envelope import Envelope
from shared.errors import RuleViolation


class FakeConnection:
    def __init__(self, processed: set, transactions: list) -> None:
        self.processed = processed
        self.transactions = transactions

    @asynccontextmanager
    async def transaction(self):
        self.transactions.append(1)
        snapshot = set(self.processed)
        try:
            yield
        except BaseException:
            self.processed.clear()
            self.processed.update(snapshot)
            raise

    async def fetchval(self, _query, consumer, event_id):
        if (consumer, event_id) in self.processed:
            return None
        self.processed.add((consumer, event_id))
        return True

    async def fetch(self, _query, consumer, event_ids):
        """The runtime recording a run of events as processed: the ids it had not seen."""
        claimed = []
        for event_id in event_ids:
            if (consumer, event_id) not in self.processed:
                self.processed.add((consumer, event_id))
                claimed.append({"event_id": event_id})
        return claimed


class FakePool:
    def __init__(self) -> None:
        self.processed: set = set()
        self.transactions: list = []  # one entry per transaction or savepoint opened

    @asynccontextmanager
    async def acquire(self):
        yield FakeConnection(self.processed, self.transactions)


@dataclass
class FakeProducer:
    sent: list = field(default_factory=list)

    async def send(self, topic, value=None, key=None, headers=None):
        self.sent.append((topic, value, key, dict(headers)))

        async def acked():
            return None

        return acked()


@dataclass
class Record:
    value: bytes | None
    headers: list
    topic: str = "ali.intake.events"
    partition: int = 0
    offset: int = 7
    key: bytes = b"k"


def _record(event_type: str = "ali.test.Happened") -> Record:
    envelope = Envelope(
        id=uuid.uuid4(),
        source="/ali/test",
        type=event_type,
        time=datetime.now(UTC),
        dataschema="urn:x",
        schema_version=1,
        stream_id="s",
        stream_version=1,
        partition_key="k",
        correlation_id=uuid.uuid4(),
        data={"n": 1},
    )
    return Record(envelope.kafka_value(), envelope.kafka_headers())


def _consumer(handler, max_attempts: int = 3) -> tuple[EventConsumer, FakeProducer, FakePool]:
    producer, pool = FakeProducer(), FakePool()
    consumer = EventConsumer(
        name="test",
        consumer=None,
        dlq_producer=producer,
        dlq_topic="ali.test.dlq",
        pool=pool,
        schema="s",
        handlers={"ali.test.Happened": handler},
        max_attempts=max_attempts,
        retry_wait=wait_none(),
        # No batch cut by the time budget (0.1 s by default) on a busy machine: the tests count what one call does.
        transaction_seconds=60,
    )
    return consumer, producer, pool


async def test_an_event_redelivered_is_applied_once():
    calls = []

    async def handler(envelope, conn):
        calls.append(envelope.id)

    consumer, producer, _ = _consumer(handler)
    record = _record()
    await consumer.handle_record(record)
    await consumer.handle_record(record)
    assert len(calls) == 1 and consumer.duplicates == 1 and not producer.sent


async def test_transient_failures_are_retried_until_they_pass():
    failures = iter([ConnectionError("db restarting")] * 6)

    async def handler(envelope, conn):
        error = next(failures, None)
        if error:
            raise error

    consumer, producer, _ = _consumer(handler, max_attempts=3)
    await consumer.handle_record(_record())
    # More failures than max_attempts: infrastructure errors are waited out, not dead-lettered.
    assert consumer.applied == 1 and not producer.sent


async def test_a_broken_rule_goes_to_the_dead_letter_topic_at_once():
    calls = []

    async def handler(envelope, conn):
        calls.append(1)
        raise RuleViolation("accompaniment already closed")

    consumer, producer, pool = _consumer(handler)
    record = _record()
    await consumer.handle_record(record)
    [(topic, value, key, headers)] = producer.sent
    assert topic == "ali.test.dlq" and value == record.value and key == record.key
    assert headers["dlq_error"] == b"accompaniment already closed"
    assert headers["dlq_error_type"] == b"RuleViolation" and headers["dlq_attempts"] == b"1"
    assert headers["dlq_source_offset"] == b"7" and "ce_id" in headers
    assert len(calls) == 1 and not pool.processed, "the failed effect is rolled back"


async def test_an_unexpected_error_is_dead_lettered_after_max_attempts():
    calls = []

    async def handler(envelope, conn):
        calls.append(1)
        raise ValueError("bug")

    consumer, producer, _ = _consumer(handler, max_attempts=3)
    await consumer.handle_record(_record())
    assert len(calls) == 3 and producer.sent[0][3]["dlq_attempts"] == b"3"


async def test_a_malformed_record_is_dead_lettered_and_unknown_types_ignored():
    async def handler(envelope, conn):
        raise AssertionError("not called")

    consumer, producer, _ = _consumer(handler)
    await consumer.handle_record(Record(b"garbage", [("ce_specversion", b"1.0")]))
    await consumer.handle_record(_record("ali.test.SomethingElse"))
    assert len(producer.sent) == 1 and producer.sent[0][3]["dlq_error_type"] == b"EnvelopeError"


def _records(n: int) -> list[Record]:
    records = [_record() for _ in range(n)]
    for offset, record in enumerate(records):
        record.offset = offset
    return records


async def test_a_failing_record_in_a_batch_is_dead_lettered_alone_and_the_others_applied():
    applied = []

    async def handler(envelope, conn):
        if len(applied) == 2 and envelope.id not in applied:
            applied.append("failed")
            raise RuleViolation("not now")
        applied.append(envelope.id)

    consumer, producer, pool = _consumer(handler)
    records = _records(5)
    result = await consumer.apply(records)
    assert (result.done, result.applied, result.dead_lettered) == (5, 4, 1)
    [(_, _, _, headers)] = producer.sent
    assert headers["dlq_source_offset"] == b"2"
    assert len(pool.processed) == 4, "the failed record's processed id was rolled back with its savepoint"


async def test_records_that_succeed_share_one_transaction_without_a_savepoint_each():
    applied = []

    async def handler(envelope, conn):
        applied.append(envelope.id)

    consumer, producer, pool = _consumer(handler)
    result = await consumer.apply(_records(20))
    assert (result.done, result.applied) == (20, 20) and len(applied) == 20
    assert len(pool.transactions) == 1, "one transaction, no savepoint per record"
    assert len(pool.processed) == 20


async def test_events_the_consumer_does_not_react_to_take_no_transaction():
    applied = []

    async def handler(envelope, conn):
        applied.append(envelope.id)

    consumer, producer, pool = _consumer(handler)
    others = [_record("ali.test.SomethingElse") for _ in range(3)]
    result = await consumer.apply(others)
    assert (result.done, result.ignored, result.applied) == (3, 3, 0)
    assert not pool.transactions and not pool.processed, "nothing to record: no connection, no transaction"

    mixed = [*others[:2], _record(), others[2], Record(b"garbage", [("ce_specversion", b"1.0")]), _record()]
    for offset, record in enumerate(mixed):
        record.offset = offset
    result = await consumer.apply(mixed)
    assert (result.done, result.ignored, result.applied, result.dead_lettered) == (6, 3, 2, 1)
    assert len(applied) == 2 and len(producer.sent) == 1, "the malformed record still goes to the dead letters"


async def test_a_record_is_passed_over_on_the_type_in_its_headers_without_its_value_being_read():
    consumer, producer, pool = _consumer(_never_called)
    elsewhere = Record(b"not json", [("ce_specversion", b"1.0"), ("ce_type", b"ali.test.SomethingElse")])
    not_cloudevents = Record(b"not json", [("ce_specversion", b"0.3"), ("ce_type", b"ali.test.SomethingElse")])
    for offset, record in enumerate([elsewhere, not_cloudevents]):
        record.offset = offset
    result = await consumer.apply([elsewhere, not_cloudevents])
    assert (result.done, result.ignored, result.dead_lettered) == (2, 1, 1)
    [(_, value, _, headers)] = producer.sent
    assert value == b"not json" and headers["dlq_error_type"] == b"EnvelopeError", "not a CloudEvent: a dead letter"
    assert not pool.processed


async def _never_called(envelope, conn):
    raise AssertionError("not called")


async def test_a_failure_rolls_the_run_back_and_applies_it_again_with_a_savepoint_per_record():
    effects = []

    async def handler(envelope, conn):
        effects.append(envelope.id)
        if envelope.id == failing:
            raise RuleViolation("not now")

    consumer, producer, pool = _consumer(handler)
    records = _records(6)
    failing = Envelope.from_kafka(records[3].value, records[3].headers).id
    result = await consumer.apply(records)
    assert (result.done, result.applied, result.dead_lettered) == (6, 5, 1)
    # The first run (records 0-3) was rolled back; the second applied 0-2 again, skipped 3 (its error is known:
    # it is not run a second time), then 4-5.
    assert effects.count(failing) == 1 and len(effects) == 4 + 5
    assert len(pool.transactions) == 2 + 5, "two runs, the second with a savepoint per record it runs"
    assert len(pool.processed) == 5
    [(_, _, _, headers)] = producer.sent
    assert headers["dlq_source_offset"] == b"3" and headers["dlq_attempts"] == b"1"


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        ConnectionResetError("reset by peer"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_transient_database_errors_are_retried_never_dead_lettered(error):
    failures = iter([error] * 7)
    calls = []

    async def handler(envelope, conn):
        calls.append(envelope.id)
        if failure := next(failures, None):
            raise failure

    consumer, producer, _ = _consumer(handler, max_attempts=2)
    result = await consumer.apply(_records(3))
    assert not producer.sent, "an infrastructure failure says nothing about the event"
    assert (result.done, result.applied) == (3, 3)


async def test_an_event_newer_than_the_registry_knows_stops_the_batch_without_a_dead_letter():
    from shared.events import DomainEvent, EventRegistry

    class Happened(DomainEvent):
        context = "test"
        n: int

    applied = []

    async def handler(envelope, conn):
        applied.append(envelope.stream_version)

    consumer, producer, pool = _consumer(handler)
    consumer.registry = EventRegistry([Happened])
    records = _records(4)
    newer = Envelope.from_kafka(records[1].value, records[1].headers).model_copy(update={"schema_version": 2})
    records[1] = Record(newer.kafka_value(), newer.kafka_headers(), offset=1)
    result = await consumer.apply(records)
    assert result.done == 1 and result.newer is not None and result.newer.version == 2
    assert "upgrade this service" in str(result.newer)
    assert not producer.sent and len(pool.processed) == 1, "the newer event and those after it wait"


async def test_an_error_re_raised_from_a_transient_one_is_retried_too():
    class StoreUnavailable(Exception):
        pass

    failures = iter([True, True])

    async def handler(envelope, conn):
        if next(failures, False):
            try:
                raise asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")
            except asyncpg.PostgresError as e:
                raise StoreUnavailable("the store is unavailable") from e

    consumer, producer, _ = _consumer(handler, max_attempts=1)
    result = await consumer.apply(_records(1))
    assert result.applied == 1 and not producer.sent


def _batched(one_calls: list, many_calls: list, refuse=lambda envelopes: None) -> BatchedHandler:
    async def one(envelope, conn):
        refuse([envelope])
        one_calls.append(envelope.id)

    async def many(envelopes, conn):
        refuse(envelopes)
        many_calls.append([e.id for e in envelopes])

    return BatchedHandler(one, many)


async def test_a_run_of_events_of_a_batched_handler_is_applied_by_one_call_and_a_redelivery_by_none():
    one_calls, many_calls = [], []
    consumer, producer, pool = _consumer(_batched(one_calls, many_calls))
    records = _records(30)
    result = await consumer.apply(records)
    assert (result.done, result.applied) == (30, 30) and not one_calls
    assert many_calls == [[Envelope.from_kafka(r.value, r.headers).id for r in records]]
    assert len(pool.transactions) == 1 and len(pool.processed) == 30

    again = await consumer.apply(records[10:] + _records(2))
    assert (again.done, again.applied, again.duplicates) == (22, 2, 20)
    assert len(many_calls) == 2 and len(many_calls[1]) == 2, "only the events not processed before"
    assert not producer.sent


async def test_a_batch_that_fails_is_applied_one_by_one_and_only_its_poison_is_dead_lettered():
    one_calls, many_calls = [], []
    records = _records(8)
    poison = Envelope.from_kafka(records[5].value, records[5].headers).id

    def refuse(envelopes):
        if any(e.id == poison for e in envelopes):
            raise RuleViolation("already followed")

    consumer, producer, pool = _consumer(_batched(one_calls, many_calls, refuse))
    result = await consumer.apply(records)
    assert (result.done, result.applied, result.dead_lettered) == (8, 7, 1)
    assert not many_calls and len(one_calls) == 7 and poison not in one_calls
    assert len(pool.processed) == 7, "the batch's processed ids were rolled back with it"
    [(_, _, _, headers)] = producer.sent
    assert headers["dlq_source_offset"] == b"5" and headers["dlq_error_type"] == b"RuleViolation"


async def test_a_batch_stops_at_a_record_it_cannot_take_and_goes_on_after_it():
    one_calls, many_calls = [], []
    consumer, producer, _ = _consumer(_batched(one_calls, many_calls))
    records = _records(3) + [Record(b"not json", [])] + _records(3)
    result = await consumer.apply(records)
    assert (result.done, result.applied, result.dead_lettered) == (7, 6, 1)
    assert [len(call) for call in many_calls] == [3, 3] and not one_calls
    [(_, _, _, headers)] = producer.sent
    assert headers["dlq_error_type"] == b"EnvelopeError"


class FakeKafka:
    """A Kafka consumer giving its polls of records, then setting `finished`; it records each offset commit."""

    def __init__(self, polls: list, finished, owned: set) -> None:
        self.polls, self.finished, self.owned = polls, finished, owned
        self.commits: list = []

    async def getmany(self, timeout_ms=0):
        if not self.polls:
            self.finished.set()
            return {}
        return self.polls.pop(0)

    def assignment(self):
        return set(self.owned)

    async def commit(self, offsets):
        self.commits.append(dict(offsets))

    async def stop(self):
        pass


async def test_one_offset_commit_covers_every_partition_of_a_poll_and_only_those_still_owned():
    import asyncio

    from aiokafka import TopicPartition

    applied = []
    partitions = [TopicPartition("ali.intake.events", p) for p in range(3)]

    async def handler(envelope, conn):
        applied.append(envelope.id)
        if len(applied) == 1:
            kafka.owned.discard(partitions[0])  # handed over once its records were applied

    consumer, _, _ = _consumer(handler)
    poll = {}
    for tp in partitions:
        poll[tp] = [_record(), _record("ali.test.SomethingElse")]
        for offset, record in enumerate(poll[tp], start=10):
            record.partition, record.offset = tp.partition, offset
    stop = asyncio.Event()
    kafka = FakeKafka([poll], stop, set(partitions))
    consumer.consumer = kafka
    await consumer.run(stop)
    assert len(applied) == 3
    assert kafka.commits == [{partitions[1]: 12, partitions[2]: 12}], "one commit, past each partition's last record"
