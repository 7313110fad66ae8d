"""Helpers for integration and end-to-end tests: settings per run, service processes, topic readers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.envelope import Envelope
from shared.kafka import make_admin, make_consumer, make_producer, stop_consumer
from shared.outbox import OutboxRelay
from shared.settings import PlatformSettings

REPO = Path(__file__).resolve().parent.parent
LOGS = REPO / ".data" / "logs" / "tests"


def service_env(infra, run_id: str, **extra: object) -> dict[str, str]:
    """Environment of a service process isolated to one test run.

    Endpoints only: each service reads its own Kafka principal and database role from the secrets directory, as
    the platform does outside the tests.
    """
    inherited = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "PGPASSWORD", "PGUSER")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_") and k not in inherited}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        DATABASE_URL=infra.database_endpoint,
        ALI_SECRETS_DIR=str(infra.secrets_dir),
        ALI_KAFKA_CA_FILE=str(infra.kafka_ca_file),
        ALI_TOPIC_SUFFIX=run_id,
        ALI_INTAKE_DB_SCHEMA=f"{run_id}_intake",
        ALI_ACCOMPANIMENT_DB_SCHEMA=f"{run_id}_accompaniment",
        ALI_PLACEMENT_DB_SCHEMA=f"{run_id}_placement",
        ALI_REPORTING_DB_SCHEMA=f"{run_id}_reporting",
        ALI_REPORTING_BI_SCHEMA=f"{run_id}_bi",
        ALI_LOG_LEVEL="INFO",
    )
    # On a three-node stack (deploy/local/env.sh exports it), the services' topics are replicated as in production.
    if os.environ.get("ALI_TOPIC_REPLICATION_FACTOR"):
        env["ALI_TOPIC_REPLICATION_FACTOR"] = os.environ["ALI_TOPIC_REPLICATION_FACTOR"]
    env.update({f"ALI_{k.upper()}": str(v) for k, v in extra.items()})
    return env


class ServiceProcess:
    """A service started as its own OS process, as in production."""

    def __init__(
        self,
        service: str,
        command: str,
        env: Mapping[str, str],
        tag: str,
        *,
        module: str | None = None,
        args: Sequence[str] = (),
    ) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{tag}-{service}-{command}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module or f"services.{service}", *([command] if command else []), *args],
            cwd=REPO,
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_exit(self, timeout: float) -> int:
        """Wait for the process to end by itself (a fault-injected kill, say)."""
        return self.proc.wait(timeout=timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def log_tail(self, lines: int = 40) -> str:
        """End of the process log, for assertion messages."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


_PORTS_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port free now and not handed out before in this test session: two services started by tests never
    get the same one (a port picked, its socket closed, can come back from the kernel at the next pick)."""
    held: list[socket.socket] = []
    try:
        while True:
            s = socket.socket()
            held.append(s)  # kept bound until a new port comes, so the kernel cannot give this one again
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port not in _PORTS_GIVEN:
                _PORTS_GIVEN.add(port)
                return port
    finally:
        for s in held:
            s.close()


async def wait_until(predicate, timeout: float, interval: float = 0.3, message: str = "condition"):
    """Poll an async predicate until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)


async def publish(settings: PlatformSettings, topic: str, envelopes: Iterable[Envelope]) -> None:
    """Put `envelopes` on `topic` in order, with the credentials of `settings`, as an outbox relay would."""
    producer = make_producer(settings)
    await producer.start()
    try:
        for e in envelopes:
            await producer.send_and_wait(topic, value=e.kafka_value(), key=e.kafka_key(), headers=e.kafka_headers())
    finally:
        await producer.stop()


@asynccontextmanager
async def relays_running(
    store, settings: PlatformSettings, topic: str, *, batch_size: int, count: int = 2, tolerate_errors: bool = False
) -> AsyncIterator[list[OutboxRelay]]:
    """`count` relays of one store publishing to `topic` while the block runs, then stopped (their errors raised
    unless `tolerate_errors`)."""
    relays = [OutboxRelay(store, settings, topic, batch_size=batch_size, idle_wait=0.05) for _ in range(count)]
    stop = asyncio.Event()
    running = [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        yield relays
    finally:
        stop.set()
        await asyncio.gather(*running, return_exceptions=tolerate_errors)


async def envelope_ids(reader: PlatformSettings, topic: str) -> list:
    """The ids of the events on `topic`, in order, read until it is idle."""
    records = await read_topic(reader, topic, idle=2)
    return [Envelope.from_kafka(r.value, r.headers).id for r in records]


async def wait_http_ready(base_url: str, timeout: float = 60) -> None:
    """Wait until `/health/ready` answers 200."""

    async def ready():
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{base_url}/health/ready")).status_code == 200
        except httpx.HTTPError:
            return False

    await wait_until(ready, timeout, message=f"{base_url}/health/ready")


async def read_topic(
    reader: PlatformSettings, topic: str, *, expect: int | None = None, idle: float = 3.0, timeout: float = 120
):
    """Every record of a topic from the beginning, read as `reader`'s principal (no consumer group): until `expect`
    records arrived, or the topic stays idle."""
    # Committed records only, as the platform's consumers read (the relay publishes in transactions).
    consumer = make_consumer(reader, None, isolation_level="read_committed", max_poll_records=500)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic, timeout)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records = []
        deadline = time.monotonic() + timeout
        last_arrival = time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                records.extend(recs)
            if batch:
                last_arrival = time.monotonic()
            if expect is not None and len(records) >= expect:
                break
            if expect is None and time.monotonic() - last_arrival > idle:
                break
        return records
    finally:
        await stop_consumer(consumer)


async def _partitions(consumer: AIOKafkaConsumer, topic: str, timeout: float) -> list[TopicPartition]:
    deadline = time.monotonic() + timeout
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return [TopicPartition(topic, p) for p in sorted(parts)]
        if time.monotonic() > deadline:
            raise AssertionError(f"topic {topic} not found")
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.3)


# Run ids of the topics (suffix) and schemas (prefix) made by this test session, removed at its end.
RUN_IDS: set[str] = set()


def run_of_topic(topic: str) -> str | None:
    """The run id a topic belongs to: `ali.intake.events.<run>`, or faust's `ali.reporting.v1.<run>-...`."""
    last = topic.rsplit(".", 1)[-1]
    return last.split("-", 1)[0] if "." in topic else None


async def remove_run_data(infra, run_ids: set[str]) -> tuple[int, int]:
    """Delete the topics and drop the schemas of these runs (as the admin and the superuser); returns the counts."""
    import asyncpg

    if not run_ids:
        return 0, 0
    admin = make_admin(infra.kafka)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if run_of_topic(t) in run_ids]
        for start in range(0, len(topics), 100):
            await admin.delete_topics(topics[start : start + 100])
    finally:
        await admin.close()
    conn = await asyncpg.connect(infra.database_url)
    try:
        schemas = [
            r["nspname"]
            for r in await conn.fetch("SELECT nspname FROM pg_namespace")
            if r["nspname"].split("_", 1)[0] in run_ids
        ]
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await conn.close()
    return len(topics), len(schemas)
