"""Path 4, command-to-figure lag: from a command's answer until `GET /indicators` counts it.

vegeta sends `POST /workshops` at 200 commands/s for 30 s to the benchmark platform: each command plans a
workshop session on one day of its own, far in the future (a day no earlier run used: its count is checked to
be 0 first), so the only sessions counted on that day are this run's. Sessions are spread over the eight
themes; `GET /indicators?start=D&end=D` (department staff) gives the sessions of that day by theme, polled back
to back by two clients.

Each theme is a counter whose commands are all on one Kafka partition (the session id, which is the partition
key, is chosen so), so reporting folds them in the order of their offsets: when the count of a theme reaches k,
the first k commands of that theme by offset are counted. A command's lag is the arrival of the first poll
answer showing its rank, minus the arrival of its own answer. A command refused, or not counted within
`--settle` seconds after the last one, counts as never seen (an infinite lag).

Anchor: the lag from the same answer until a bare aiokafka consumer sees the command's event on the topic
(the relay's share of the lag; the rest is reporting's).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta

import httpx
from aiokafka import TopicPartition
from aiokafka.partitioner import murmur2

from bench import loadgen
from bench.loadgen import Target
from bench.platform import Platform, admin
from bench.profiling import nothing
from bench.results import Goal, Line
from shared import territory
from shared.auth import Role
from shared.contracts.accompaniment import WorkshopTheme
from shared.kafka import make_consumer, stop_consumer

THEMES = [t.value for t in WorkshopTheme]


def _partition(key: str, partitions: int) -> int:
    """Kafka's default partitioner (murmur2 of the key), as the relay's producer uses it."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def _session_id(partition: int, partitions: int) -> str:
    while True:
        candidate = str(uuid.uuid4())
        if _partition(candidate, partitions) == partition:
            return candidate


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


async def _free_day(client: httpx.AsyncClient) -> date:
    for _ in range(20):
        # A day far enough ahead that the simulation planned nothing on it, within the dates the API accepts
        # (shared.inputs: five years ahead).
        day = date.today() + timedelta(days=400 + random.randrange(0, 1300))
        figures = (await client.get("/indicators", params={"start": day.isoformat(), "end": day.isoformat()})).json()
        if figures["workshops"]["sessions"] == 0:
            return day
    raise RuntimeError("no free day found for the lag measurement")


async def run(
    plat: Platform, rate: int = 200, seconds: float = 30, settle: float = 60, step=nothing
) -> tuple[list[Line], list[str]]:
    """Measure; returns the line and details."""
    settings = admin()
    topic = settings.topic("accompaniment.events")
    staff = {"Authorization": f"Bearer {plat.token(Role.DEPARTMENT_STAFF)}"}
    async with httpx.AsyncClient(base_url=plat.urls["reporting"], headers=staff, timeout=60) as client:
        day = await _free_day(client)
        # Committed records only, as reporting reads them (the relay publishes in transactions).
        consumer = make_consumer(settings, None, [], isolation_level="read_committed", fetch_max_wait_ms=10)
        await consumer.start()
        try:
            partitions = sorted(consumer.partitions_for_topic(topic) or [])
            if not partitions:
                await consumer._client.force_metadata_update()
                partitions = sorted(consumer.partitions_for_topic(topic) or [])
            tps = [TopicPartition(topic, p) for p in partitions]
            consumer.assign(tps)
            await consumer.seek_to_end(*tps)
            for tp in tps:
                await consumer.position(tp)
            agencies = _agencies()
            tokens = {a: plat.token(Role.CASEWORKER, a) for a in agencies}
            count = int(rate * seconds)
            sessions: dict[str, str] = {}  # session id -> theme
            targets = []
            for n in range(count):
                theme_index = n % len(THEMES)
                session_id = _session_id(partitions[theme_index % len(partitions)], len(partitions))
                agency = agencies[n % len(agencies)]
                sessions[session_id] = THEMES[theme_index]
                body = {
                    "session_id": session_id,
                    "agency_id": agency,
                    "theme": THEMES[theme_index],
                    "session_date": day.isoformat(),
                    "capacity": 12,
                }
                targets.append(Target("POST", f"{plat.urls['accompaniment']}/workshops", tokens[agency], body))

            seen_on_topic: dict[str, tuple[int, int, int]] = {}  # session -> (ns, partition, offset)
            polls: list[tuple[int, dict[str, int]]] = []
            stop = asyncio.Event()

            async def consume():
                while not stop.is_set():
                    batch = await consumer.getmany(timeout_ms=100)
                    now = time.time_ns()
                    for tp, records in batch.items():
                        for record in records:
                            data = json.loads(record.value)
                            session = data.get("session_id")
                            if session in sessions and session not in seen_on_topic:
                                seen_on_topic[session] = (now, tp.partition, record.offset)

            async def poll():
                params = {"start": day.isoformat(), "end": day.isoformat()}
                while not stop.is_set():
                    try:
                        response = await client.get("/indicators", params=params)
                        if response.status_code == 200:
                            themes = response.json()["workshops"]["by_theme"]
                            polls.append((time.time_ns(), {t: c["sessions"] for t, c in themes.items()}))
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.02)

            workers = [asyncio.create_task(consume()), asyncio.create_task(poll())]
            try:
                await asyncio.sleep(0.3)
                workers.append(asyncio.create_task(poll()))
                pids = {s: plat.pid(s) for s in ("accompaniment", "reporting")}
                with step("lag", pids):
                    report = await asyncio.to_thread(loadgen.attack, targets, rate, seconds, keep_bodies=True)
                    answered: dict[str, int] = {}
                    for result in loadgen.results(report):
                        if result["code"] == 201:
                            session = json.loads(result["body"])["session_id"]
                            answered[session] = result["sent_ns"] + result["latency_ns"]
                    deadline = time.monotonic() + settle
                    while time.monotonic() < deadline:
                        last = polls[-1][1] if polls else {}
                        if sum(last.values()) >= len(answered) and len(seen_on_topic) >= len(answered):
                            break
                        await asyncio.sleep(0.2)
            finally:
                # Stopped on the way out too: a failed attack leaves no task reading a stopped consumer.
                stop.set()
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
        finally:
            await stop_consumer(consumer)

    lags, topic_lags, spread = _lags(sessions, answered, seen_on_topic, polls)
    project = _quantile(lags, 0.95)
    anchor = _quantile(topic_lags, 0.95)
    finite = [x for x in lags if math.isfinite(x)]
    details = [
        f"{len(targets)} commands sent on {day} ({report.summary()})",
        f"{len(answered)} answered 201, {len(seen_on_topic)} seen on the topic, {len(finite)} counted by /indicators;"
        f" {len(polls)} polls of /indicators",
        f"lag to /indicators: p50 {_quantile(lags, 0.5):.2f} s, p95 {project:.2f} s, max {max(lags):.2f} s;"
        f" to the topic: p50 {_quantile(topic_lags, 0.5):.3f} s, p95 {anchor:.3f} s",
    ]
    if len(answered) < len(sessions):
        # Refused commands never show: the relay's and reporting's share is read on the answered ones.
        kept = [i for i, session in enumerate(sessions) if session in answered]
        to_figures, to_topic = [lags[i] for i in kept], [topic_lags[i] for i in kept]
        details.append(
            f"lag of the {len(kept)} answered commands to /indicators: p50 {_quantile(to_figures, 0.5):.2f} s,"
            f" p95 {_quantile(to_figures, 0.95):.2f} s, p99 {_quantile(to_figures, 0.99):.2f} s; to the topic:"
            f" p50 {_quantile(to_topic, 0.5):.3f} s, p95 {_quantile(to_topic, 0.95):.3f} s"
        )
    if spread:
        details.append(f"WARNING: themes spread over several partitions ({spread}): ranks are approximate")
    return [Line("lag-p95", project, anchor, "s", Goal.project("<=", 1, "s"))], details


def _agencies() -> list[str]:
    return sorted(territory.AGENCIES_BY_ID)


def _lags(sessions, answered, seen_on_topic, polls):
    """Per command: (lag to /indicators, lag to the topic) in seconds; infinite when never seen."""
    by_theme: dict[str, list[tuple[int, str]]] = defaultdict(list)
    partitions_of_theme: dict[str, set[int]] = defaultdict(set)
    for session, (_ns, partition, offset) in seen_on_topic.items():
        theme = sessions[session]
        by_theme[theme].append((offset, session))
        partitions_of_theme[theme].add(partition)
    spread = {t: sorted(p) for t, p in partitions_of_theme.items() if len(p) > 1}
    visible: dict[str, int] = {}
    for theme, items in by_theme.items():
        items.sort()
        poll_index = 0
        for rank, (_offset, session) in enumerate(items, start=1):
            while poll_index < len(polls) and polls[poll_index][1].get(theme, 0) < rank:
                poll_index += 1
            if poll_index < len(polls):
                visible[session] = polls[poll_index][0]
    lags, topic_lags = [], []
    for session in sessions:
        done = answered.get(session)
        if done is None:
            lags.append(math.inf)
            topic_lags.append(math.inf)
            continue
        lags.append((visible[session] - done) / 1e9 if session in visible else math.inf)
        topic_lags.append((seen_on_topic[session][0] - done) / 1e9 if session in seen_on_topic else math.inf)
    return lags, topic_lags, spread
