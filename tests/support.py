"""Helpers for integration and end-to-end tests: settings per run, service processes, topic readers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

REPO = Path(__file__).resolve().parent.parent
LOGS = REPO / ".data" / "logs" / "tests"


def service_env(infra, run_id: str, **extra: object) -> dict[str, str]:
    """Environment of a service process isolated to one test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_")}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        DATABASE_URL=infra.database_url,
        ALI_TOPIC_PREFIX=f"{run_id}.",
        ALI_INTAKE_DB_SCHEMA=f"{run_id}_intake",
        ALI_ACCOMPANIMENT_DB_SCHEMA=f"{run_id}_accompaniment",
        ALI_PLACEMENT_DB_SCHEMA=f"{run_id}_placement",
        ALI_REPORTING_BI_SCHEMA=f"{run_id}_bi",
        ALI_REPORTING_DB_SCHEMA=f"{run_id}_reporting",
        ALI_LOG_LEVEL="INFO",
    )
    env.update({f"ALI_{k.upper()}": str(v) for k, v in extra.items()})
    return env


class ServiceProcess:
    """A service started as its own OS process, as in production."""

    def __init__(self, service: str, command: str, env: Mapping[str, str], tag: str) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{tag}-{service}-{command}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", command],
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


async def wait_http_ready(base_url: str, timeout: float = 60) -> None:
    """Wait until `/health/ready` answers 200."""

    async def ready():
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{base_url}/health/ready")).status_code == 200
        except httpx.HTTPError:
            return False

    await wait_until(ready, timeout, message=f"{base_url}/health/ready")


async def read_topic(bootstrap: str, topic: str, *, expect: int | None = None, idle: float = 3.0, timeout: float = 120):
    """Every record of a topic from the beginning: until `expect` records arrived, or the topic stays idle."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
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
        await consumer.stop()


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


# Prefixes of the topics and schemas made by this test session, removed at its end (see `remove_run_data`).
RUN_IDS: set[str] = set()


async def remove_run_data(bootstrap: str, database_url: str, run_ids: set[str]) -> tuple[int, int]:
    """Delete the topics and drop the schemas of these runs; returns (topics, schemas) removed."""
    import asyncpg
    from aiokafka.admin import AIOKafkaAdminClient

    if not run_ids:
        return 0, 0
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.split(".", 1)[0] in run_ids]
        for start in range(0, len(topics), 100):
            await admin.delete_topics(topics[start : start + 100])
    finally:
        await admin.close()
    conn = await asyncpg.connect(database_url)
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
