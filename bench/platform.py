"""The benchmark's own platform: the four services on topics and schemas of their own, beside any other platform.

    python -m bench platform start      start the four services (ports 8101-8104), reuse them if already running
    python -m bench platform status     what runs, and whether the simulated department is loaded
    python -m bench platform stop       stop the services (their data is kept for the next run)
    python -m bench platform remove     stop them and delete their topics and schemas
    python -m bench platform load       start them and load the simulated department (--size full|small|N)
    python -m bench platform adopt      record a department loaded by an interrupted run, once reporting shows
                                        the caseload its plan implies

Everything it makes is named `bench`: topics `ali.*.bench` (the platform's names with the suffix `bench`, so that
each service's prefixed ACLs cover them), schemas `bench_intake`, `bench_accompaniment`, `bench_placement`,
`bench_reporting`, `bench_bi`, processes recorded in `.data/bench/`. Each service logs in with its own Kafka
principal and database role (from the secrets directory, as on the platform); tokens are signed with a key of the
benchmark's own (`.data/bench/auth`), which services accept in development. A platform run by `make up` (topics
`ali.*` without suffix, schemas `intake`...) is never written to.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx

from shared.auth import Role, generate_keys, mint_token
from shared.settings import PlatformSettings, with_credentials

S = TypeVar("S", bound=PlatformSettings)

REPO = Path(__file__).resolve().parent.parent
STATE = REPO / ".data" / "bench"
LOGS = STATE / "logs"
KEYS = STATE / "auth"
RUN_ID = "bench"
SERVICES = ("intake", "accompaniment", "placement", "reporting")
PORTS = {"intake": 8101, "accompaniment": 8102, "placement": 8103, "reporting": 8104}
SCHEMAS = [f"{RUN_ID}_{s}" for s in ("intake", "accompaniment", "placement", "reporting", "bi")]
DEPARTMENT = STATE / "department.json"


class PlatformError(Exception):
    """The benchmark platform could not be started or used; the message says why."""


def admin(**values: object) -> PlatformSettings:
    """The admin principal (Kafka and the database's owner) on the benchmark's topics."""
    return PlatformSettings.of("admin", topic_suffix=RUN_ID, **values)


def as_service(settings_cls: type[S], **values: object) -> S:
    """A service's settings (its own principal and role) on the benchmark's topics and schemas."""
    name = settings_cls.credentials_name or "admin"
    schemas = {f"{s}_db_schema": f"{RUN_ID}_{s}" for s in ("intake", "accompaniment", "placement", "reporting")}
    fields = settings_cls.model_fields
    chosen = {k: v for k, v in schemas.items() if k in fields}
    if "reporting_bi_schema" in fields:
        chosen["reporting_bi_schema"] = f"{RUN_ID}_bi"
    return settings_cls.of(name, topic_suffix=RUN_ID, **chosen, **values)


def service_env(**extra: str) -> dict[str, str]:
    """Environment of the benchmark's service processes (infrastructure endpoints from the caller's).

    Endpoints only: each service reads its own principal and role from the secrets directory. No identity
    provider: in development the services accept the benchmark's own signing key."""
    inherited = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "PGPASSWORD", "PGUSER")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_") and k not in inherited}
    settings = PlatformSettings()
    passed = {
        k: os.environ[k]
        for k in ("ALI_SECRETS_DIR", "ALI_KAFKA_CA_FILE", "ALI_TOPIC_REPLICATION_FACTOR")
        if os.environ.get(k)
    }
    if "ALI_SECRETS_DIR" not in passed:
        raise PlatformError("ALI_SECRETS_DIR is not set: run through `make bench` (or source deploy/local/env.sh)")
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
        DATABASE_URL=with_credentials(settings.database_url, None, None),
        ALI_TOPIC_SUFFIX=RUN_ID,
        ALI_INTAKE_DB_SCHEMA=f"{RUN_ID}_intake",
        ALI_ACCOMPANIMENT_DB_SCHEMA=f"{RUN_ID}_accompaniment",
        ALI_PLACEMENT_DB_SCHEMA=f"{RUN_ID}_placement",
        ALI_REPORTING_DB_SCHEMA=f"{RUN_ID}_reporting",
        ALI_REPORTING_BI_SCHEMA=f"{RUN_ID}_bi",
        **passed,
        ALI_AUTH_PUBLIC_KEY_FILE=str(KEYS / "public.pem"),
        ALI_LOG_LEVEL="WARNING",
        # As `make up` runs them: the API in two processes, the relay and consumers in a third.
        ALI_HTTP_WORKERS="2",
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
    from shared.kafka import make_admin

    stop()
    DEPARTMENT.unlink(missing_ok=True)
    settings = admin()
    client = make_admin(settings)
    await client.start()
    try:
        topics = [t for t in await client.list_topics() if t.startswith("ali.") and t.endswith(f".{RUN_ID}")]
        if topics:
            await client.delete_topics(topics)
    finally:
        await client.close()
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
