"""Time a reporting replica takes to recover on the full simulated department: SIGKILL, start, until ready.

    source deploy/local/env.sh && python -m bench.reporting_recovery [--suffix perf] [--restarts 3] [--keep]

Writes the seeded department straight onto topics of its own (`python -m simulation.events`, 251,328 events for
the full size) unless they already hold it, starts a reporting process on them (schemas `<suffix>_reporting`,
`<suffix>_bi`) and waits until it folded everything (`/indicators/status` ready, lag 0). Then, `--restarts` times:
SIGKILL, start again, and measure from the start of the process until `/indicators/status` says `ready` and until
`GET /indicators` first answers 200 (503 `recovering` before), with the process's own `recovered_in_seconds`.
Ends by stopping the process and, unless `--keep`, deleting its topics and schemas.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import asyncpg
import httpx

from shared.auth import Role, generate_keys, mint_token
from shared.kafka import make_admin
from shared.settings import PlatformSettings
from simulation.events import SIZES, department_events, publish

REPO = Path(__file__).resolve().parent.parent
CONTEXTS = ("intake", "accompaniment", "placement")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _events_on_topics(settings: PlatformSettings) -> int:
    admin = make_admin(settings)
    await admin.start()
    try:
        topics = set(await admin.list_topics())
    finally:
        await admin.close()
    wanted = [settings.topic(f"{c}.events") for c in CONTEXTS]
    if not all(t in topics for t in wanted):
        return 0
    from aiokafka import TopicPartition

    from shared.kafka import make_consumer, stop_consumer

    consumer = make_consumer(settings, None)
    await consumer.start()
    try:
        total = 0
        for topic in wanted:
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            ends, begins = await consumer.end_offsets(parts), await consumer.beginning_offsets(parts)
            total += sum(ends[p] - begins[p] for p in parts)
        return total
    finally:
        await stop_consumer(consumer)


class Reporting:
    """One reporting process on the measurement's topics and schemas."""

    def __init__(self, suffix: str, key_dir: Path, log: Path) -> None:
        _, public = generate_keys(key_dir)
        self.private = (key_dir / "private.pem").read_text()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        inherited = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ALI_SECRETS_DIR", "ALI_KAFKA_CA_FILE")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_") or k in inherited}
        self.env.update(
            ALI_TOPIC_SUFFIX=suffix,
            ALI_REPORTING_DB_SCHEMA=f"{suffix}_reporting",
            ALI_REPORTING_BI_SCHEMA=f"{suffix}_bi",
            ALI_REPORTING_HTTP_PORT=str(self.port),
            ALI_AUTH_PUBLIC_KEY_FILE=str(public),
            ALI_LOG_LEVEL="INFO",
        )
        if os.environ.get("ALI_TOPIC_REPLICATION_FACTOR"):
            self.env["ALI_TOPIC_REPLICATION_FACTOR"] = os.environ["ALI_TOPIC_REPLICATION_FACTOR"]
        self.log = log
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def token(self) -> str:
        return mint_token(self.private, subject="recovery-bench", role=Role.DEPARTMENT_STAFF)

    def start(self) -> None:
        self.started = time.monotonic()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.reporting", "serve"], cwd=REPO, env=self.env, stdout=out, stderr=out
            )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _until_ready(reporting: Reporting, timeout: float) -> dict:
    """Seconds from the process's start until `/indicators/status` is ready and until `/indicators` answers 200."""
    headers = {"Authorization": f"Bearer {reporting.token()}"}
    first_figures = None
    async with httpx.AsyncClient(base_url=reporting.url, headers=headers, timeout=30) as client:
        while time.monotonic() - reporting.started < timeout:
            try:
                if first_figures is None and (await client.get("/indicators")).status_code == 200:
                    first_figures = time.monotonic() - reporting.started
                status = (await client.get("/indicators/status")).json()
                if status["state"] == "ready" and status.get("lag") in (0, None) and first_figures is not None:
                    return {
                        "ready_s": time.monotonic() - reporting.started,
                        "first_figures_s": first_figures,
                        "recovered_in_seconds": status.get("recovered_in_seconds"),
                        "lag": status.get("lag"),
                    }
            except (httpx.HTTPError, ValueError):
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"reporting not ready {timeout:.0f}s after its start (log: {reporting.log})")


def _last_load(log: Path) -> dict:
    """The facts the process loaded and how long it took, from its last `reporting.facts_loaded` log line."""
    for line in reversed(log.read_text(errors="replace").splitlines()):
        if "reporting.facts_loaded" in line:
            try:
                entry = json.loads(line)
            except ValueError:
                return {"line": line}
            return {k: entry.get(k) for k in ("facts", "seconds")}
    return {}


async def _remove(settings: PlatformSettings, suffix: str) -> None:
    admin = make_admin(settings)
    await admin.start()
    try:
        await admin.delete_topics([t for t in await admin.list_topics() if t.endswith(f".{suffix}")])
    finally:
        await admin.close()
    conn = await asyncpg.connect(settings.database_url)
    try:
        for schema in (f"{suffix}_reporting", f"{suffix}_bi"):
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> None:
    settings = PlatformSettings.of("admin", topic_suffix=args.suffix)
    events = await _events_on_topics(settings)
    if events == 0:
        started = time.monotonic()
        streams = department_events(SIZES.get(args.size) or int(args.size), args.seed, date.today())
        events = await publish(settings, streams)
        print(f"published {events} events in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(f"{events} events on ali.*.events.{args.suffix}", file=sys.stderr)
    log = REPO / ".data" / "logs" / f"reporting-recovery-{args.suffix}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as keys:
        reporting = Reporting(args.suffix, Path(keys), log)
        reporting.start()
        try:
            first = await _until_ready(reporting, args.timeout)
            print(f"first start (folds the topics unless already folded): {first}", file=sys.stderr)
            for n in range(1, args.restarts + 1):
                reporting.stop(signal.SIGKILL)
                reporting.start()
                measured = await _until_ready(reporting, args.timeout)
                print(
                    f"restart {n} after SIGKILL: /indicators/status ready {measured['ready_s']:.1f} s after the start,"
                    f" first 200 on /indicators {measured['first_figures_s']:.1f} s,"
                    f" the process's recovered_in_seconds {measured['recovered_in_seconds']},"
                    f" facts loaded {_last_load(reporting.log)}"
                    f" (load average {os.getloadavg()[0]:.1f})"
                )
        finally:
            reporting.stop()
    if not args.keep:
        await _remove(settings, args.suffix)


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.reporting_recovery", description=__doc__.splitlines()[0])
    parser.add_argument("--suffix", default="perf", help="topic suffix and schema prefix of the measurement")
    parser.add_argument("--size", default="full", help="full (about 17,000 active), small (300), or a caseload")
    parser.add_argument("--seed", type=int, default=93)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for readiness")
    parser.add_argument("--keep", action="store_true", help="keep the topics and schemas for the next run")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
