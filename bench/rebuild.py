"""Path 2, rebuild: reporting's replay of the three topics beside a bare aiokafka consumer of the same records.

- project: `services.reporting.entrypoints.rebuild.replay` (what `python -m services.reporting rebuild` runs:
  every record of the intake, accompaniment and placement topics read from the beginning and folded into fresh
  facts, the partitions shared among one process per core), timed from its call to its return;
- anchor: one aiokafka consumer assigned the same partitions, reading them from the beginning to the same end
  offsets with the same `max_records`, `json.loads` of each record's value.
Both read the topics of the benchmark platform (`ali.*.bench`, the simulated department) as reporting's principal
(SASL_SSL, the same client settings from `shared.kafka`), nothing is written.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from aiokafka import TopicPartition

from bench.profiling import nothing
from bench.results import Goal, Line
from services.reporting.entrypoints import rebuild
from services.reporting.settings import ReportingSettings
from shared.kafka import make_consumer, stop_consumer


async def bare_consume(settings: ReportingSettings) -> tuple[int, float]:
    """Read and decode every record of the three topics; returns (records, seconds)."""
    partitions = [TopicPartition(t, p) for t, p in await rebuild._end_offsets(settings)]
    consumer = make_consumer(settings, None, [], isolation_level="read_uncommitted")
    await consumer.start()
    try:
        start = time.perf_counter()
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        remaining = {tp for tp in partitions if end[tp] > 0}
        records = 0
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)
            for tp, recs in batch.items():
                for record in recs:
                    if record.offset >= end[tp]:
                        break
                    json.loads(record.value)
                    records += 1
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        return records, time.perf_counter() - start
    finally:
        await stop_consumer(consumer)


async def project_replay(settings: ReportingSettings) -> tuple[int, float]:
    """Reporting's replay of the topics; returns (records read, seconds)."""
    start = time.perf_counter()
    # The replay forks its readers while no event loop runs in this process: it runs in a thread of its own.
    result = await asyncio.to_thread(rebuild.replay, settings)
    return result.records, time.perf_counter() - start


async def run(settings: ReportingSettings, min_events: int = 1, step=nothing) -> tuple[list[Line], list[str]]:
    """Both replays of the settings' topics, the project's first; returns lines and details."""
    with step("rebuild", {"bench": os.getpid()}):
        project_events, project_seconds = await project_replay(settings)
    with step("rebuild-anchor", {"bench": os.getpid()}):
        anchor_events, anchor_seconds = await bare_consume(settings)
    if anchor_events < min_events:
        raise AssertionError(f"only {anchor_events} records on the topics suffixed {settings.topic_suffix!r}")
    project = project_events / project_seconds
    anchor = anchor_events / anchor_seconds
    details = [
        f"rebuild: {project_events} records in {project_seconds:.1f} s; bare consumer: {anchor_events} records"
        f" in {anchor_seconds:.1f} s"
    ]
    return [
        Line("rebuild-vs-aiokafka", project, anchor, "events/s", Goal.ratio(">=", 0.5)),
        Line("rebuild-rate", project, anchor, "events/s", Goal.project(">=", 50_000, "events/s")),
    ], details
