"""Path 2, rebuild: reporting's replay of the three topics beside a bare aiokafka consumer of the same records.

- project: `services.reporting.entrypoints.rebuild.replay` (what `python -m services.reporting rebuild` runs:
  every record of the intake, accompaniment and placement topics read from the beginning, turned into an
  envelope and folded into fresh fact rows), timed from its call to its return;
- anchor: one aiokafka consumer assigned the same partitions, reading them from the beginning to the same end
  offsets with the same `max_records`, `json.loads` of each record's value.
Both read the topics of the benchmark platform (`bench.ali.*`, the simulated department), nothing is written.
"""

from __future__ import annotations

import json
import os
import time

from aiokafka import AIOKafkaConsumer
from rich.console import Console

from bench.profiling import nothing
from bench.results import Goal, Line
from services.reporting.adapters.faust_app import CONTEXTS
from services.reporting.entrypoints import rebuild
from services.reporting.settings import ReportingSettings


async def bare_consume(settings: ReportingSettings) -> tuple[int, float]:
    """Read and decode every record of the three topics; returns (records, seconds)."""
    partitions = await rebuild._partitions(settings, [settings.topic(f"{c}.events") for c in CONTEXTS])
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
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
        await consumer.stop()


async def project_replay(settings: ReportingSettings) -> tuple[int, float]:
    """Reporting's replay of the topics; returns (events folded, seconds)."""
    console = Console(stderr=True, quiet=True)
    start = time.perf_counter()
    _rows, events, unreadable = await rebuild.replay(settings, console)
    return events + unreadable, time.perf_counter() - start


async def run(topic_prefix: str, min_events: int = 1, step=nothing) -> tuple[list[Line], list[str]]:
    """Both replays of the topics under `topic_prefix`, the project's first; returns lines and details."""
    settings = ReportingSettings(topic_prefix=topic_prefix)
    with step("rebuild", {"bench": os.getpid()}):
        project_events, project_seconds = await project_replay(settings)
    with step("rebuild-anchor", {"bench": os.getpid()}):
        anchor_events, anchor_seconds = await bare_consume(settings)
    if anchor_events < min_events:
        raise AssertionError(f"only {anchor_events} records on the topics under {topic_prefix!r}")
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
