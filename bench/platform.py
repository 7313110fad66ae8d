"""The benchmark's own platform: the four services on topics and schemas of their own, beside any other platform.

    python -m bench platform start      start the four services (ports 8101-8104), reuse them if already running
    python -m bench platform status     what runs, and whether the simulated department is loaded
    python -m bench platform stop       stop the services (their data is kept for the next run)
    python -m bench platform remove     stop them and delete their topics and schemas
    python -m bench platform load       start them and load the simulated department (--size full|small|N)
    python -m bench platform adopt      record a department loaded by an interrupted run, once reporting shows
                                        the caseload its plan implies

Everything it makes is named `bench`: topics `bench.ali.*` (and the reporting changelog under the same prefix),
schemas `bench_intake`, `bench_accompaniment`, `bench_placement`, `bench_bi`, processes recorded in `.data/bench/`.
A platform run by `make up` (topics `ali.*`, schemas `intake`...) is never written to.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from shared.auth import Role, generate_keys, mint_token
from shared.settings import PlatformSettings

REPO = Path(__file__).resolve().parent.parent
STATE = REPO / ".data" / "bench"
LOGS = STATE / "logs"
KEYS = STATE / "auth"
RUN_ID = "bench"
SERVICES = ("intake", "accompaniment", "placement", "reporting")
PORTS = {"intake": 8101, "accompaniment": 8102, "placement": 8103, "reporting": 8104}
SCHEMAS = [f"{RUN_ID}_{s}" for s in ("intake", "accompaniment", "placement", "bi")]
DEPARTMENT = STATE / "department.json"


class PlatformError(Exception):
    """The benchmark platform could not be started or used; the message says why."""


def service_env(**extra: str) -> dict[str, str]:
    """Environment of the benchmark's service processes (infrastructure endpoints from the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_")}
    settings = PlatformSettings()
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
        DATABASE_URL=settings.database_url,
        ALI_TOPIC_PREFIX=f"{RUN_ID}.",
        ALI_INTAKE_DB_SCHEMA=f"{RUN_ID}_intake",
        ALI_ACCOMPANIMENT_DB_SCHEMA=f"{RUN_ID}_accompaniment",
        ALI_PLACEMENT_DB_SCHEMA=f"{RUN_ID}_placement",
        ALI_REPORTING_BI_SCHEMA=f"{RUN_ID}_bi",
        ALI_AUTH_PUBLIC_KEY_FILE=str(KEYS / "public.pem"),
        ALI_LOG_LEVEL="WARNING",
        **{f"ALI_{name.upper()}_HTTP_PORT": str(port) for name, port in PORTS.items()},
    )
    env.update(extra)
    return env


@dataclass
class Platform:
    """URLs of the benchmark platform and tokens for it."""

    urls: dict[str, str]
    private_key: str

    def token(self, role: Role = Role.ADMIN, agency_id: str | None = None, hours: int = 12) -> str:
        """A bearer token the benchmark services accept."""
        return mint_token(self.private_key, subject="bench", role=role, agency_id=agency_id, hours=hours)

    def pid(self, service: str) -> int | None:
        """Process id of a running service (for the profiler)."""
        return _running_pid(service)


def platform() -> Platform:
    """The benchmark platform's addresses and keys (whether it runs or not)."""
    private, _ = generate_keys(KEYS)
    return Platform({n: f"http://127.0.0.1:{p}" for n, p in PORTS.items()}, private.read_text())


def _pid_file(service: str) -> Path:
    return STATE / f"{service}.pid"


def pid(service: str) -> int | None:
    """Process id of a running benchmark service."""
    return _running_pid(service)


def _running_pid(service: str) -> int | None:
    try:
        pid = int(_pid_file(service).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError):
        return None
    return pid if f"services.{service}".encode() in cmdline else None


async def _ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            return (await client.get(f"{url}/health/ready")).status_code == 200
    except httpx.HTTPError:
        return False


def _spawn(service: str, env: dict[str, str]) -> None:
    with open(LOGS / f"{service}.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", "serve"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _pid_file(service).write_text(str(proc.pid))


async def start(timeout: float = 180) -> Platform:
    """Start the services that are not running yet and wait until each is ready."""
    STATE.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    plat = platform()
    env = service_env()
    for service in SERVICES:
        if not _running_pid(service):
            _spawn(service, env)
    deadline = time.monotonic() + timeout
    for service, url in plat.urls.items():
        while not await _ready(url):
            if not _running_pid(service):
                raise PlatformError(f"{service} exited during start-up (log: {LOGS / (service + '.log')})")
            if time.monotonic() > deadline:
                raise PlatformError(f"{service} not ready after {timeout:.0f}s (log: {LOGS / (service + '.log')})")
            await asyncio.sleep(0.5)
    return plat


def stop(timeout: float = 30) -> None:
    """SIGTERM each service, SIGKILL what is still alive after `timeout` seconds."""
    pids = {s: pid for s in SERVICES if (pid := _running_pid(s))}
    for pid in pids.values():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for service, pid in pids.items():
        while _running_pid(service):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        _pid_file(service).unlink(missing_ok=True)


async def remove() -> tuple[int, int]:
    """Stop the services and delete the benchmark's topics and schemas; returns (topics, schemas) deleted."""
    from aiokafka.admin import AIOKafkaAdminClient

    stop()
    DEPARTMENT.unlink(missing_ok=True)
    for directory in REPO.glob(f"{RUN_ID}.ali.reporting.*-data"):  # faust's data directory
        shutil.rmtree(directory, ignore_errors=True)
    settings = PlatformSettings()
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(f"{RUN_ID}.")]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()
    conn = await asyncpg.connect(settings.database_url)
    try:
        for schema in SCHEMAS:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
    return len(topics), len(SCHEMAS)


def department() -> dict | None:
    """What the simulation loaded into the benchmark platform (size, seconds, expected figures), if it did."""
    try:
        return json.loads(DEPARTMENT.read_text())
    except FileNotFoundError:
        return None


def main(argv: list[str]) -> int:
    """`python -m bench platform ...`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench platform", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "status", "stop", "remove", "load", "adopt"])
    parser.add_argument("--size", default="full", help="simulated department to load (full, small, or a caseload)")
    args = parser.parse_args(argv)
    if args.command == "start":
        plat = asyncio.run(start())
        print("benchmark platform ready: " + " ".join(plat.urls.values()))
    elif args.command == "load":
        from bench.department import load

        plat = asyncio.run(start())
        record = asyncio.run(load(plat, args.size))
        print(f"simulated department ({args.size}) loaded in {record['seconds']:.0f} s")
    elif args.command == "adopt":
        from bench.department import adopt

        plat = asyncio.run(start())
        record = asyncio.run(adopt(plat, args.size))
        print(f"simulated department ({args.size}) recorded as loaded: caseload {record['expected']['caseload']}")
    elif args.command == "stop":
        stop()
    elif args.command == "remove":
        topics, schemas = asyncio.run(remove())
        print(f"benchmark platform removed: {topics} topics, {schemas} schemas")
    else:
        for service in SERVICES:
            pid = _running_pid(service)
            print(f"{service:14} {f'running (pid {pid})' if pid else 'stopped':22} {PORTS[service]}")
        loaded = department()
        if loaded:
            took = f"in {loaded['seconds']:.0f} s " if loaded.get("seconds") else ""
            print(f"department: {loaded['size']}, loaded {took}at {loaded['loaded_at']}")
        else:
            print("department: not loaded")
    return 0
