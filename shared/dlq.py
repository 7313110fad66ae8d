"""Replay of dead letters through the consumer's normal handler (`python -m services.<name> dlq replay ...`).

A dead letter keeps the original record (value, key, `ce_*` headers) and says which consumer gave up on it
(`dlq_consumer`) and why. Replaying one runs it through that consumer's runtime exactly as if it had just been
consumed: same handler, same transaction, same processed-event ids, so replaying twice, or replaying a letter whose
event was applied since, changes nothing. A record that fails again stays in the dead-letter topic (it is not
written to it a second time) and is listed in the report with its new error.

Selection: every letter of the topic (`--all`), one or more by `--offset PARTITION:OFFSET` or `--event-id ID`, or a
time range of the dead-lettering (`--since`, `--until`, ISO 8601). `--dry-run` lists what would be replayed.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from aiokafka import ConsumerRecord, TopicPartition
from rich.console import Console
from rich.progress import Progress

from shared.consumer import EventConsumer
from shared.kafka import make_consumer, stop_consumer
from shared.settings import PlatformSettings


@dataclass(frozen=True)
class Selection:
    """Which dead letters to replay."""

    offsets: frozenset[tuple[int, int]] = frozenset()
    event_ids: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    everything: bool = False

    def matches(self, record: ConsumerRecord) -> bool:
        """Whether the dead letter `record` is selected."""
        if self.everything:
            return True
        if (record.partition, record.offset) in self.offsets:
            return True
        if _header(record, "ce_id") in self.event_ids:
            return True
        if self.since is not None or self.until is not None:
            when = datetime.fromtimestamp(record.timestamp / 1000, UTC)
            return (self.since is None or when >= self.since) and (self.until is None or when < self.until)
        return False


@dataclass
class Report:
    """What a replay did."""

    selected: int = 0
    outcomes: Counter = field(default_factory=Counter)
    failures: list[tuple[int, int, str | None, str]] = field(default_factory=list)
    skipped_consumers: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        """Human-readable summary."""
        out = [f"{self.selected} dead letters selected"]
        out += [f"  {name}: {count}" for name, count in sorted(self.outcomes.items()) if count]
        out += [f"  not replayed, unknown consumer {name}: {n}" for name, n in sorted(self.skipped_consumers.items())]
        out += [f"  failed again {p}:{o} event {eid}: {err}" for p, o, eid, err in self.failures]
        return out


def _header(record: ConsumerRecord, name: str) -> str | None:
    value = dict(record.headers or []).get(name)
    return value.decode() if value is not None else None


def _original(record: ConsumerRecord) -> ConsumerRecord:
    """The record as its consumer first saw it (topic, partition, offset from the `dlq_source_*` headers)."""
    return ConsumerRecord(
        topic=_header(record, "dlq_source_topic") or record.topic,
        partition=int(_header(record, "dlq_source_partition") or record.partition),
        offset=int(_header(record, "dlq_source_offset") or record.offset),
        timestamp=record.timestamp,
        timestamp_type=record.timestamp_type,
        key=record.key,
        value=record.value,
        checksum=None,
        serialized_key_size=record.serialized_key_size,
        serialized_value_size=record.serialized_value_size,
        headers=tuple((k, v) for k, v in (record.headers or []) if not k.startswith("dlq_")),
    )


async def read_dead_letters(settings: PlatformSettings, topic: str) -> list[ConsumerRecord]:
    """Every record of a dead-letter topic, up to its end when called (no consumer group, nothing committed)."""
    consumer = make_consumer(settings, None, [], enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # noqa: SLF001 - metadata of a topic not subscribed
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        records: list[ConsumerRecord] = []
        while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, recs in batch.items():
                records += [r for r in recs if r.offset < end[tp]]
        return sorted(records, key=lambda r: (r.timestamp, r.partition, r.offset))
    finally:
        await stop_consumer(consumer)


async def replay(
    records: list[ConsumerRecord],
    selection: Selection,
    consumers: dict[str, EventConsumer],
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] = lambda _n: None,
) -> Report:
    """Replay the selected dead letters through their consumers' runtime; returns the report."""
    report = Report()
    for record in records:
        if not selection.matches(record):
            continue
        report.selected += 1
        name = _header(record, "dlq_consumer") or ""
        consumer = consumers.get(name)
        if consumer is None:
            report.skipped_consumers[name] += 1
            progress(1)
            continue
        if dry_run:
            report.outcomes["would replay"] += 1
            progress(1)
            continue
        original = _original(record)
        result = await consumer.apply([original], dead_letter=False)
        for outcome in ("applied", "duplicates", "parked", "ignored"):
            report.outcomes[outcome] += getattr(result, outcome)
        if result.newer is not None:
            report.failures.append((record.partition, record.offset, _header(record, "ce_id"), str(result.newer)))
        for _rec, error in result.failures:
            report.outcomes["failed again"] += 1
            report.failures.append(
                (record.partition, record.offset, _header(record, "ce_id"), f"{type(error).__name__}: {error}")
            )
        progress(1)
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `dlq replay` options."""
    what = parser.add_argument_group("which dead letters (at least one)")
    what.add_argument("--all", action="store_true", help="every dead letter of the service's topic")
    what.add_argument("--offset", action="append", default=[], metavar="PARTITION:OFFSET", help="one dead letter")
    what.add_argument("--event-id", action="append", default=[], metavar="UUID", help="the dead letter of an event")
    what.add_argument("--since", type=_when, help="dead-lettered at or after (ISO 8601, e.g. 2026-11-30T08:00)")
    what.add_argument("--until", type=_when, help="dead-lettered before (ISO 8601)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be replayed, change nothing")


def selection_from(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Selection:
    """The selection the options name; an error when they name none."""
    offsets = set()
    for item in args.offset:
        try:
            partition, offset = item.split(":")
            offsets.add((int(partition), int(offset)))
        except ValueError:
            parser.error(f"--offset {item!r}: expected PARTITION:OFFSET, e.g. 3:1207")
    ids = set()
    for item in args.event_id:
        try:
            ids.add(str(UUID(item)))
        except ValueError:
            parser.error(f"--event-id {item!r} is not a UUID")
    selection = Selection(frozenset(offsets), frozenset(ids), args.since, args.until, args.all)
    if not (selection.everything or offsets or ids or args.since or args.until):
        parser.error("say which dead letters: --all, --offset, --event-id, --since/--until")
    return selection


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or time") from e
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def run_replay(
    settings: PlatformSettings,
    topic: str,
    consumers: dict[str, EventConsumer],
    selection: Selection,
    *,
    dry_run: bool,
    console: Console,
) -> Report:
    """Read the dead-letter topic, replay the selection with a progress bar, print and return the report."""
    records = await read_dead_letters(settings, topic)
    selected = [r for r in records if selection.matches(r)]
    console.print(f"{len(records)} dead letters in {topic}, {len(selected)} selected")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("replaying", total=len(selected))
        report = await replay(selected, selection, consumers, dry_run=dry_run, progress=lambda n: bar.advance(task, n))
    for line in report.lines():
        console.print(line)
    return report
