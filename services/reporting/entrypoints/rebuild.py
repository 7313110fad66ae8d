"""Rebuild: read the three topics from the beginning into fresh facts, and show or compare the figures.

python -m services.reporting rebuild [--as-of DATE] [--json] [--workers N] [--compare URL --token T]

The topics' partitions are shared among worker processes (one per core by default), each folding its own
partitions with the live projection's code (a fact's events never cross partitions); their facts are merged
and counted with the live indicators' code. `--compare` checks the live service answers the same figures for
the department and every agency (exit 1 otherwise). `rebuild_rate()` is the entry point of the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import httpx

from services.reporting.adapters.consumer import source_topics, topic_partitions
from services.reporting.adapters.records import NewerSchemaVersion, to_event
from services.reporting.domain import indicators, projection
from services.reporting.domain.facts import FactSet
from services.reporting.settings import ReportingSettings
from shared.errors import EnvelopeError
from shared.kafka import make_bulk_reader, make_consumer, stop_consumer

Partition = tuple[str, int]


@dataclass
class Replay:
    """What a replay read and folded."""

    facts: FactSet
    records: int
    events: int
    unreadable: int
    seconds: float

    @property
    def rate(self) -> float:
        """Records read per second."""
        return self.records / self.seconds if self.seconds else 0.0


async def _end_offsets(settings: ReportingSettings) -> dict[Partition, int]:
    consumer = make_consumer(settings, None, [])
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, source_topics(settings))
        if not partitions:
            return {}
        end = await consumer.end_offsets(partitions)
        return {(tp.topic, tp.partition): n for tp, n in end.items() if n > 0}
    finally:
        await stop_consumer(consumer)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused, and every object alive at the end left out of its later passes.

    A replay allocates millions of containers (decoded events, facts, their histories) and keeps a good part
    of them: the collector's passes over that growing heap took a quarter of the replay's time, and one pass
    over the facts once the collector runs again took as long as the fold itself. The folds make no reference
    cycles, so everything a replay drops is freed by reference counting as it goes, and so are the facts
    when they are dropped (`gc.freeze` only keeps the collector from scanning them).
    """
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _fold(settings: ReportingSettings, end: dict[Partition, int]) -> tuple[FactSet, int, int, int]:
    """Read the given partitions from their beginning up to their end offsets and fold them (in one process).

    librdkafka reads (`make_bulk_reader`): record batches are decoded in C. Records at or past a partition's end
    offset are left; a partition is done when one is seen or its end is reached (`PARTITION_EOF`: the last offset
    may be a transaction's commit marker, which takes an offset but is never returned as a record).
    """
    from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException
    from confluent_kafka import TopicPartition as Assigned

    facts = FactSet()
    records = events = unreadable = 0
    remaining = dict(end)
    consumer = make_bulk_reader(
        settings,
        settings.group("reporting.rebuild"),
        **{
            "isolation.level": "read_uncommitted",
            "fetch.max.bytes": 64 * 1024 * 1024,
            "max.partition.fetch.bytes": 8 * 1024 * 1024,
            "queued.max.messages.kbytes": 256 * 1024,
        },
    )
    try:
        consumer.assign([Assigned(t, p, OFFSET_BEGINNING) for t, p in end])
        apply = projection.apply
        while remaining:
            # consume() waits until it has `num_messages` or the timeout passed: a short one keeps folding
            # what has arrived rather than waiting for a full batch.
            for message in consumer.consume(num_messages=5000, timeout=0.1):
                partition = (message.topic(), message.partition())
                last = remaining.get(partition)
                if last is None:
                    continue
                if (error := message.error()) is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        raise KafkaException(error)
                    if message.offset() >= last:
                        del remaining[partition]
                    continue
                if message.offset() >= last:
                    del remaining[partition]
                    continue
                records += 1
                try:
                    event = to_event(message.value(), message.headers())
                except EnvelopeError:
                    unreadable += 1
                    continue
                if event is not None:
                    events += apply(event, facts)
                if message.offset() + 1 >= last:
                    del remaining[partition]
    finally:
        consumer.close()
    return facts, records, events, unreadable


def _fold_in_process(settings: ReportingSettings, end: dict[Partition, int]) -> tuple[FactSet, int, int, int]:
    """A child's fold (looked up when it runs: the child is forked with this module as it is)."""
    with _no_cycle_collection():
        return _fold(settings, end)


def _share(end: dict[Partition, int], workers: int) -> list[dict[Partition, int]]:
    """Partitions spread over the workers, the biggest first, each to the least loaded worker."""
    shares: list[dict[Partition, int]] = [{} for _ in range(workers)]
    loads = [0] * workers
    for partition, n in sorted(end.items(), key=lambda item: -item[1]):
        i = loads.index(min(loads))
        shares[i][partition] = n
        loads[i] += n
    return [s for s in shares if s]


def replay(settings: ReportingSettings, workers: int | None = None) -> Replay:
    """Fold every event published so far into fresh facts, partitions shared among `workers` processes."""
    end = asyncio.run(_end_offsets(settings))
    with _no_cycle_collection():
        return _replay(settings, end, workers)


def _replay(settings: ReportingSettings, end: dict[Partition, int], workers: int | None) -> Replay:
    """`replay` once the end offsets are known."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(end) or 1))
    started = time.monotonic()
    shares = _share(end, workers)
    facts, records, events, unreadable = FactSet(), 0, 0, 0
    if len(shares) <= 1:
        results = [_fold(settings, s) for s in shares]
    else:
        # Children fold all shares but the first, which this process folds meanwhile (its facts need no
        # copying back). They are forked while no event loop nor Kafka client runs here. Their settings come
        # pickled, credentials included (a JSON dump would mask the secrets).
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(shares) - 1, mp_context=context) as pool:
            children = [pool.submit(_fold_in_process, settings, share) for share in shares[1:]]
            results = [_fold(settings, shares[0])] + [child.result() for child in children]
    for part, n_records, n_events, n_unreadable in results:
        facts.merge(part)
        records, events, unreadable = records + n_records, events + n_events, unreadable + n_unreadable
    return Replay(facts, records, events, unreadable, time.monotonic() - started)


def rebuild_rate(settings: ReportingSettings | None = None, workers: int | None = None) -> dict:
    """The benchmark's entry point: replay the topics and return the records read per second."""
    result = replay(settings or ReportingSettings(), workers)
    return {"records": result.records, "events": result.events, "seconds": result.seconds, "rate": result.rate}


async def _live(url: str, token: str, q: indicators.Query, scopes: list[str | None]) -> dict:
    params = {"start": q.start.isoformat(), "end": q.end.isoformat(), "as_of": q.as_of.isoformat()}
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        out = {}
        for scope in scopes:
            response = await client.get(f"{url}/indicators", params=params | ({"agency_id": scope} if scope else {}))
            response.raise_for_status()
            out[scope] = response.json()
        return out


def compare(url: str, token: str, q: indicators.Query, rebuilt: indicators.AllScopes, patience: float = 15) -> list:
    """Scopes whose live figures differ from the rebuilt ones (the live ones may trail by a refresh: retried)."""
    scopes: list[str | None] = [None, *rebuilt.agencies]
    deadline = time.monotonic() + patience
    while True:
        live = asyncio.run(_live(url, token, q, scopes))
        differing = [
            (scope or "department", sorted(k for k, v in rebuilt.of(scope).items() if live[scope].get(k) != v))
            for scope in scopes
            if live[scope] != rebuilt.of(scope)
        ]
        if not differing or time.monotonic() > deadline:
            return differing
        time.sleep(1)


def main(argv: list[str], settings: ReportingSettings | None = None) -> None:
    """Parse the rebuild command line and run it."""
    parser = argparse.ArgumentParser(prog="python -m services.reporting rebuild", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, help="reference date (default: today)")
    parser.add_argument("--start", type=date.fromisoformat, help="first day of the period (default: a year back)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day of the period (default: as-of)")
    parser.add_argument("--json", action="store_true", help="print every indicator as JSON on stdout")
    parser.add_argument("--workers", type=int, help="processes reading the partitions (default: one per core)")
    parser.add_argument(
        "--compare", metavar="URL", help="reporting service to compare with, e.g. http://127.0.0.1:8004"
    )
    parser.add_argument("--token", help="bearer token for --compare (department staff or admin)")
    args = parser.parse_args(argv)
    if args.compare and not args.token:
        parser.error("--compare needs --token")
    settings = settings or ReportingSettings()
    try:
        result = replay(settings, args.workers)
    except NewerSchemaVersion as e:
        print(f"cannot rebuild: {e}", file=sys.stderr)
        sys.exit(2)
    as_of = args.as_of or date.today()
    start, end = indicators.default_period(as_of)
    q = indicators.Query(args.start or start, args.end or end, as_of, tuple(settings.positive_exit_groups))
    rebuilt = indicators.compute(indicators.Snapshot.of(result.facts), q)
    print(
        f"{result.records} records read in {result.seconds:.2f} s ({result.rate:,.0f}/s), {result.events} events "
        f"folded into {result.facts.count()} facts ({result.unreadable} unreadable records skipped)",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(rebuilt.of(None), indent=2, sort_keys=True))
    else:
        a = rebuilt.of(None)["accompaniments"]
        print(
            f"caseload {a['caseload']}  entries {a['entries']}  returns {a['returns']}  exits {a['exits']}  "
            f"positive-exit rate {a['positive_exit_rate']}  emploi durable {a['emploi_durable_rate']}",
            file=sys.stderr,
        )
    if args.compare:
        differing = compare(args.compare, args.token, q, rebuilt)
        if differing:
            for scope, keys in differing:
                print(f"live figures of {scope} differ from the rebuild in: {', '.join(keys)}", file=sys.stderr)
            sys.exit(1)
        print(
            f"live figures are identical to the rebuild (department and {len(rebuilt.agencies)} agencies)",
            file=sys.stderr,
        )
    sys.exit(0)
