"""Faults under load on a three-node cluster with two processes of each service, against an independent tally.

One cluster (three Kafka nodes, PostgreSQL, two replicas of each service behind HAProxy; tests/faults.py) runs on
ports of its own for the whole module. A load generator (tests/load_generator.py) sends referrals and barrier
identifications at a steady rate through HAProxy, with the department's figures read beside, and keeps its own
tally of what was accepted. Each fault is injected under that load; afterwards every command of unknown outcome is
sent again until its outcome is known, and then (tests/fault_tally.py):
- each accepted person is enrolled exactly once in intake's store and has exactly one accompaniment opened, each
  accepted barrier is stored exactly once, and nothing else of the kind is stored;
- every stored event is on its topic exactly once (distinct `ce_id`, committed records), and nothing else is;
- both reporting replicas count exactly the tally's entries and barriers; no dead letter anywhere;
- clients were answered 2xx, 409 or 503: never a 500, never a time-out (the client's is CLIENT_TIMEOUT seconds);
  a proxy's 502/504 only for a request in flight when its process was SIGKILLed;
- every process of every service is ready again within READY_WITHIN seconds of the fault's end.
The tallies accumulate over the module (the stores do too), so each check covers every fault before it as well.
A line per fault (commands sent, accepted, events stored, distinct on the topics, reporting's count, 5xx seen,
recovery) is written to `faults-summary.txt` in the test's temporary directory and printed in pytest's summary.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date

import asyncpg
import httpx
import pytest

from bench.intake_import import HEADER, generate
from shared.auth import Role, mint_token
from shared.contracts.accompaniment import AccompanimentOpened, BarrierIdentified
from shared.contracts.intake import BeneficiaryEnrolled
from shared.settings import PlatformSettings
from tests import fault_tally
from tests.faults import SERVICES, LocalStack
from tests.load_generator import Answer, LoadGenerator, unexplained
from tests.support import REPO

pytestmark = pytest.mark.e2e

# Every process of every service answers ready again within this many seconds of the fault's end.
READY_WITHIN = 120
# The clients' time-out: an answer later than this is a hang.
CLIENT_TIMEOUT = 30
# Commands per second, and seconds of load before and after each fault.
RATE = 12
BEFORE, AFTER = 8, 12
# Seconds for the stores, topics and both reporting replicas to agree with the tally once the load stopped; the wait
# goes on while they still move (consumers catching up on a busy machine), up to CONVERGE_AT_MOST, and ends after
# STALLED_FOR seconds without any change.
CONVERGE_WITHIN = 240
CONVERGE_AT_MOST = 900
STALLED_FOR = 60
IMPORT_ROWS = 17_000
LOGS = REPO / ".data" / "logs" / "tests" / "faults-cluster"

ENROLLED = BeneficiaryEnrolled.event_type()
OPENED = AccompanimentOpened.event_type()
BARRIER = BarrierIdentified.event_type()

# Lines of the summary, printed at the end of the session (tests/conftest.py, pytest_terminal_summary).
SUMMARY: list[str] = []


@pytest.fixture(scope="module")
def cluster():
    stack = LocalStack(
        REPO / ".data" / "faults-test",
        brokers=3,
        replicas=2,
        kafka_port=29092,
        postgres_port=56329,
        http_port=28001,
        haproxy_stats_port=28404,
    )
    with stack.running(keep_logs=LOGS) as running:
        yield running


@dataclass
class Cluster:
    """The cluster as the checks see it: endpoints, the superuser's database URL, the admin's Kafka settings."""

    stack: LocalStack
    database_url: str
    kafka: PlatformSettings
    token: str

    def replica_url(self, service: str, replica: int) -> str:
        return f"http://127.0.0.1:{self.stack.http_port + SERVICES.index(service) + 100 * replica}"

    def every_replica(self) -> list[str]:
        return [self.replica_url(s, r) for s in SERVICES for r in (1, 2)]


@pytest.fixture(scope="module")
def platform(cluster) -> Cluster:
    env = cluster.client_env("admin")
    kafka = PlatformSettings.of(
        "admin",
        secrets_dir=env["ALI_SECRETS_DIR"],
        kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
        kafka_ca_file=env["ALI_KAFKA_CA_FILE"],
    )
    private = (cluster.data_dir / "auth" / "private.pem").read_text()
    token = mint_token(private, subject="fault-suite", role=Role.ADMIN)
    return Cluster(cluster, env["DATABASE_URL"], kafka, token)


@pytest.fixture(scope="module")
async def load(platform):
    generator = LoadGenerator(
        intake_url=platform.stack.url("intake"),
        accompaniment_url=platform.stack.url("accompaniment"),
        reporting_url=platform.stack.url("reporting"),
        token=platform.token,
        rate=RATE,
        timeout=CLIENT_TIMEOUT,
    )
    yield generator
    await generator.close()


@pytest.fixture(scope="module")
def summary_file(tmp_path_factory):
    return tmp_path_factory.mktemp("faults") / "faults-summary.txt"


# ---------------------------------------------------------------------------------------------------- one fault


@dataclass
class Run:
    """What happened during one fault: the answers, the kill instants, the recovery."""

    name: str
    answers: list[Answer]
    sent: Counter
    accepted: Counter
    kills: list[tuple[float, float]] = field(default_factory=list)
    recovered_in: float | None = None
    extra: str = ""
    seconds: float = 0.0
    skipped: int = 0


class Fault:
    """An injection's record: the instant of each SIGKILL of a service process, and when the faulty part was back
    (node listening, PostgreSQL accepting, Kafka resumed, process started), from which recovery is timed."""

    def __init__(self, platform: Cluster) -> None:
        self.urls = platform.every_replica()
        self.kills: list[tuple[float, float]] = []
        self.recovery: asyncio.Task | None = None

    @asynccontextmanager
    async def killing(self) -> AsyncIterator[None]:
        """Around the commands that SIGKILL processes: the processes die at some instant within."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.kills.append((start, time.monotonic()))

    def back(self) -> None:
        since = time.monotonic()
        self.recovery = asyncio.create_task(fault_tally.seconds_until_ready(self.urls, since, READY_WITHIN))


Injection = Callable[[Fault], Awaitable[None]]


async def under_load(platform: Cluster, load: LoadGenerator, name: str, inject: Injection) -> Run:
    """Load for BEFORE seconds, the fault, AFTER seconds more; then every unknown outcome settled."""
    first, sent, accepted = len(load.answers), Counter(load.sent), Counter(load.accepted)
    skipped, began = load.skipped, time.monotonic()
    stop = asyncio.Event()
    running = asyncio.create_task(load.run(stop))
    fault = Fault(platform)
    try:
        await asyncio.sleep(BEFORE)
        await inject(fault)
        await asyncio.sleep(AFTER)
    finally:
        stop.set()
        await running
    assert fault.recovery is not None, "the injection never said when the faulty part was back"
    recovered_in = await fault.recovery
    await load.settle()
    answers = load.answers[first:]
    run = Run(name, answers, load.sent - sent, load.accepted - accepted, fault.kills, recovered_in)
    run.seconds, run.skipped = time.monotonic() - began, load.skipped - skipped
    return run


@dataclass
class Holdings:
    """What the platform holds, counted."""

    stores: dict[str, fault_tally.StoredEvents]
    topics: dict[str, Counter]
    reporting: list[dict | None]

    def counts(self) -> tuple:
        """What changes while the platform still works through its backlog."""
        return (
            tuple(len(s.ids) for s in self.stores.values()),
            tuple(sum(t.values()) for t in self.topics.values()),
            tuple((f["accompaniments"]["entries"], f["barriers"]["identified"]) if f else None for f in self.reporting),
        )

    def problems(self, load: LoadGenerator) -> list[str]:
        """Every way the holdings differ from the tally (empty: exactly once everywhere, reporting equal)."""
        people, barriers = load.tally.people, load.tally.barriers
        out = []
        expected = {
            ("intake", ENROLLED): people,
            ("accompaniment", OPENED): people,
            ("accompaniment", BARRIER): barriers,
        }
        for (store, kind), tally in expected.items():
            stored = self.stores[store].subjects.get(kind, Counter())
            if twice := [s for s, n in stored.items() if n > 1]:
                out.append(f"{store}: {len(twice)} {kind} stored more than once, e.g. {twice[:3]}")
            if missing := tally - set(stored):
                out.append(f"{store}: {len(missing)} accepted but no {kind} stored, e.g. {sorted(missing)[:3]}")
            if extra := set(stored) - tally:
                out.append(f"{store}: {len(extra)} {kind} stored that no client was told of, e.g. {sorted(extra)[:3]}")
        for store, events in self.stores.items():
            on_topic = self.topics[store]
            if twice := [i for i, n in on_topic.items() if n > 1]:
                out.append(f"{store}'s topic: {len(twice)} event ids published more than once, e.g. {twice[:3]}")
            if missing := events.ids - set(on_topic):
                out.append(f"{store}'s topic: {len(missing)} stored events not published (yet)")
            if extra := set(on_topic) - events.ids:
                out.append(
                    f"{store}'s topic: {len(extra)} event ids that are not in the store, e.g. {sorted(extra)[:3]}"
                )
        for replica, figures in enumerate(self.reporting, start=1):
            if figures is None:
                out.append(f"reporting-{replica} does not answer its figures")
                continue
            entries, identified = figures["accompaniments"]["entries"], figures["barriers"]["identified"]
            if (entries, identified) != (len(people), len(barriers)):
                out.append(
                    f"reporting-{replica}: {entries} entries and {identified} barriers,"
                    f" the tally {len(people)} and {len(barriers)}"
                )
        return out


async def holdings(platform: Cluster) -> Holdings:
    # Topics first: an event is published after it is stored, so while the platform still works, what a topic holds
    # was already in its store when the stores are read; an id on a topic and in no store is then a real defect.
    topics = {
        s: await fault_tally.topic_event_ids(platform.kafka, platform.kafka.topic(f"{s}.events"))
        for s in fault_tally.STORES
    }
    stores = {s: await fault_tally.stored_events(platform.database_url, s) for s in fault_tally.STORES}
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {platform.token}"}, timeout=30) as client:
        reporting = [await fault_tally.figures(client, platform.replica_url("reporting", r)) for r in (1, 2)]
    return Holdings(stores, topics, reporting)


async def converged(platform: Cluster, load: LoadGenerator) -> Holdings:
    """The holdings once they agree with the tally, or the last ones when they stopped moving (see CONVERGE_WITHIN)."""
    started = time.monotonic()
    deadline, last = started + CONVERGE_WITHIN, None
    while True:
        held = await holdings(platform)
        now = time.monotonic()
        if not held.problems(load):
            return held
        if (counts := held.counts()) != last:
            last, deadline = counts, max(deadline, now + STALLED_FOR)
        if now > min(deadline, started + CONVERGE_AT_MOST):
            return held
        await asyncio.sleep(2)


async def check(platform: Cluster, load: LoadGenerator, run: Run, summary_file) -> None:
    """The per-fault assertions, after the summary line is written."""
    started = time.monotonic()
    held = await converged(platform, load)
    converged_in = time.monotonic() - started
    problems = held.problems(load)
    dead = await fault_tally.dead_letters(platform.kafka)
    statuses = Counter(a.status if a.status is not None else (a.error or "?").split(":")[0] for a in run.answers)
    fivexx = {s: n for s, n in statuses.items() if isinstance(s, int) and s >= 500}
    stored = sum(len(s.ids) for s in held.stores.values())
    distinct = sum(len(t) for t in held.topics.values())
    counted = [
        f"{f['accompaniments']['entries']}+{f['barriers']['identified']}" if f else "none" for f in held.reporting
    ]
    recovery = f"{run.recovered_in:.1f} s" if run.recovered_in is not None else f"not within {READY_WITHIN} s"
    line = (
        f"{run.name}: sent {sum(run.sent.values())} ({run.sent['referral']} referrals, {run.sent['barrier']} barriers),"
        f" accepted {sum(run.accepted.values())}; tally {len(load.tally.people)} people + {len(load.tally.barriers)}"
        f" barriers; events stored {stored}, distinct on topics {distinct}; reporting entries+barriers"
        f" {' / '.join(counted)}; 5xx {sum(fivexx.values())} {fivexx or ''}; recovery {recovery}{run.extra};"
        f" load {run.seconds:.0f} s ({run.skipped} ticks skipped: client waiting on {load.max_in_flight} requests),"
        f" stores/topics/reporting agreed {converged_in:.0f} s after"
    )
    SUMMARY.append(line)
    with summary_file.open("a") as out:
        out.write(line + "\n")
    print(line)
    assert not problems, "\n".join(problems)
    assert not any(dead.values()), f"dead letters: {dead}"
    bad = unexplained(run.answers, run.kills)
    assert not bad, (
        f"{len(bad)} answers a client must never get, e.g. {bad[:5]} (all: {dict(statuses)};"
        f" kill commands ran {run.kills}; HAProxy logged what went wrong in {LOGS.relative_to(REPO)}/haproxy.log)"
    )
    assert run.recovered_in is not None, f"not every process ready {READY_WITHIN}s after the fault"


# ---------------------------------------------------------------------------------------------------- the faults


async def _in_thread(fn, *args) -> None:
    await asyncio.to_thread(fn, *args)


async def test_one_of_three_brokers_killed_under_load(platform, load, summary_file):
    async def inject(fault: Fault) -> None:
        await _in_thread(platform.stack.kill_broker, 2)
        await asyncio.sleep(15)
        await _in_thread(platform.stack.start_broker, 2)
        fault.back()

    run = await under_load(platform, load, "broker 2 of 3 SIGKILLed for 15 s", inject)
    await check(platform, load, run, summary_file)


async def test_postgres_restarted_under_load(platform, load, summary_file):
    async def inject(fault: Fault) -> None:
        await _in_thread(platform.stack.restart_postgres)
        fault.back()

    run = await under_load(platform, load, "PostgreSQL restarted (fast shutdown)", inject)
    await check(platform, load, run, summary_file)


async def test_kafka_paused_for_20_seconds_under_load(platform, load, summary_file):
    nodes = (1, 2, 3)

    async def inject(fault: Fault) -> None:
        for node in nodes:
            await _in_thread(platform.stack.pause_broker, node)
        try:
            await asyncio.sleep(20)
        finally:
            for node in nodes:
                await _in_thread(platform.stack.resume_broker, node)
        fault.back()

    run = await under_load(platform, load, "Kafka (all 3 nodes) SIGSTOPped 20 s", inject)
    await check(platform, load, run, summary_file)


async def _reporting_ready(url: str, token: str, since: float, timeout: float = READY_WITHIN) -> float | None:
    """Seconds from `since` until the replica's `/indicators/status` says `ready`."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=5) as client:
        while time.monotonic() < since + timeout:
            try:
                response = await client.get(f"{url}/indicators/status")
                if response.status_code == 200 and response.json()["state"] == "ready":
                    return time.monotonic() - since
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    return None


async def test_a_reporting_worker_killed_while_the_other_goes_on(platform, load, summary_file):
    restarted: dict[str, float | None] = {}

    async def inject(fault: Fault) -> None:
        async with fault.killing():
            await _in_thread(platform.stack.kill_replica, "reporting", 1)
        await asyncio.sleep(15)
        fault.back()
        watch = asyncio.create_task(
            _reporting_ready(platform.replica_url("reporting", 1), platform.token, time.monotonic())
        )
        await _in_thread(platform.stack.start_replica, "reporting", 1)
        restarted["ready"] = await watch

    run = await under_load(platform, load, "reporting-1 SIGKILLed, restarted after 15 s", inject)
    assert restarted["ready"] is not None, "the restarted reporting worker never said ready"
    run.extra = f"; reporting-1 restart to /indicators/status ready {restarted['ready']:.1f} s"
    # The other worker answered the figures throughout: the department's reads went on being answered.
    # (a proxy's 502, or a connection it closes, is accepted only for a read in flight at the kill).
    figures = [a for a in run.answers if a.kind == "figures"]
    assert figures and not unexplained(figures, run.kills), unexplained(figures, run.kills)[:5]
    await check(platform, load, run, summary_file)


# The values bench's generator breaks a row with (in its birth date, commune or orientation date).
BROKEN = {"31/02/1990", "75056", "demain"}


def _import_file(rows: int) -> tuple[bytes, int]:
    """The department's referral file (bench's generator), made of `rows` distinct people: its broken rows and
    repeated people are left out, every row has its own allocataire number, so the file's people are its rows."""
    seen, lines = set(), []
    for line in generate(rows + rows // 20, 93, date.today()):
        if {line[2], line[7], line[12]} & BROKEN:
            continue
        key = (line[0].casefold(), line[1].casefold(), line[2])
        if key in seen:
            continue
        seen.add(key)
        line[3], line[4], line[5] = "", str(2_000_000 + len(lines)), "demandeur"
        lines.append(line)
        if len(lines) == rows:
            break
    assert len(lines) == rows
    return ("\r\n".join([HEADER, *(";".join(line) for line in lines)]) + "\r\n").encode(), rows


async def _position(platform: Cluster) -> int:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return await conn.fetchval("SELECT coalesce(max(position), 0) FROM intake.events")
    finally:
        await conn.close()


async def _imported(platform: Cluster, after: int) -> int:
    """People enrolled by the import in progress: the largest group of enrolments under one correlation id (an
    import's), after `after` (each of the load's referrals has its own)."""
    conn = await asyncpg.connect(platform.database_url)
    try:
        found = await conn.fetchval(
            """SELECT count(*) FROM intake.events WHERE type = $1 AND position > $2
               GROUP BY correlation_id ORDER BY 1 DESC LIMIT 1""",
            ENROLLED,
            after,
        )
    finally:
        await conn.close()
    return found or 0


async def test_a_service_killed_during_the_import_and_the_import_run_again(platform, load, summary_file):
    data, rows = _import_file(IMPORT_ROWS)
    outcome: dict[str, object] = {}

    async def post(url: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {platform.token}", "content-type": "text/csv"}
        async with httpx.AsyncClient(headers=headers, timeout=900) as client:
            return await client.post(f"{url}/referrals/import", content=data)

    async def inject(fault: Fault) -> None:
        after = await _position(platform)
        # Straight to intake-1, which is then SIGKILLed once part of the file is stored.
        first = asyncio.create_task(post(platform.replica_url("intake", 1)))
        deadline = time.monotonic() + 600
        while (stored := await _imported(platform, after)) < rows // 5:
            assert not first.done(), f"the import ended before the kill: {first.result().status_code}"
            assert time.monotonic() < deadline, f"only {stored} people of the file stored after 600 s"
            await asyncio.sleep(0.2)
        async with fault.killing():
            await _in_thread(platform.stack.kill_replica, "intake", 1)
            await _in_thread(platform.stack.kill_replica, "accompaniment", 1)
        with pytest.raises(httpx.TransportError):
            await first
        fault.back()
        await _in_thread(platform.stack.start_replica, "intake", 1)
        await _in_thread(platform.stack.start_replica, "accompaniment", 1)
        # Counted once the killed process's connections are gone (a commit it sent before dying still counts).
        outcome["stored at the kill"] = await _imported(platform, after)
        # The same file again, through HAProxy.
        again = await post(platform.stack.url("intake"))
        assert again.status_code == 200, again.text[:2000]
        outcome["report"] = again.json()

    run = await under_load(
        platform, load, f"intake-1 and accompaniment-1 SIGKILLed during the {rows}-row import", inject
    )
    report = outcome["report"]
    assert isinstance(report, dict)
    people = {r["beneficiary_id"] for r in report["rows"] if r["status"] in ("created", "duplicate")}
    assert (report["total"], report["rejected"], report["returns"]) == (rows, 0, 0), {
        k: v for k, v in report.items() if k != "rows"
    }
    # The first run's people are duplicates the second time, the rest are created: exactly the people of the file.
    assert report["duplicates"] == outcome["stored at the kill"] > 0
    assert report["created"] + report["duplicates"] == rows == len(people)
    load.tally.people |= people
    run.extra = (
        f"; import: {outcome['stored at the kill']} people stored at the kill, run again: {report['created']} created"
        f" + {report['duplicates']} duplicates = {len(people)} people of {rows} rows"
    )
    await check(platform, load, run, summary_file)
