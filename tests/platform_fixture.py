"""The four services started as processes on topics and schemas of their own, with local signing keys.

Each service logs in with its own Kafka principal and database role (the platform's, from the secrets directory),
so the ACLs and schema ownership in force are those of production; a run's topics only carry its id as a suffix.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.auth import Role, generate_keys, mint_token
from shared.settings import PlatformSettings
from tests.support import RUN_IDS, ServiceProcess, free_port, service_env, wait_http_ready, wait_until

SERVICES = ("intake", "accompaniment", "placement", "reporting")


@dataclass
class Platform:
    """Running services, their URLs, and tokens for any role."""

    urls: dict[str, str]
    processes: dict[str, ServiceProcess]
    run_id: str
    infra: object
    env: dict[str, str]
    private_key: str

    @property
    def kafka(self) -> PlatformSettings:
        """The admin principal, for the tests' own reads of the topics."""
        return self.infra.kafka

    @property
    def database_url(self) -> str:
        """The superuser's URL, for the tests' own checks of what was stored."""
        return self.infra.database_url

    def settings(self, principal: str) -> PlatformSettings:
        """Settings of a principal (a service, `bi`, `admin`) on this run's topics, e.g. to publish as a service."""
        return self.infra.settings(principal, topic_suffix=self.run_id)

    def token(self, role: Role | str, agency_id: str | None = None, subject: str = "tester") -> str:
        """A valid bearer token."""
        return mint_token(self.private_key, subject=subject, role=Role(role), agency_id=agency_id)

    def client(self, service: str, role: Role | str = Role.ADMIN, agency_id: str | None = None) -> httpx.AsyncClient:
        """An HTTP client of one service, authenticated with the given role."""
        headers = {"Authorization": f"Bearer {self.token(role, agency_id)}"}
        return httpx.AsyncClient(base_url=self.urls[service], headers=headers, timeout=30)

    async def enrol(self, referral: dict) -> dict:
        """Refer a person to intake; the accompaniment their enrolment opens (as listed) once it is open."""
        async with self.client("intake") as intake, self.client("accompaniment") as accompaniment:
            referred = await intake.post("/referrals", json=referral)
            assert referred.status_code == 201, referred.text
            beneficiary_id = referred.json()["beneficiary_id"]

            async def opened():
                found = (await accompaniment.get("/accompaniments", params={"beneficiary_id": beneficiary_id})).json()
                return found[0] if found else None

            return await wait_until(opened, timeout=60, message="the enrolment to open an accompaniment")

    def rebuild_and_compare(self) -> list[str]:
        """The command rebuilding reporting's figures from the topics and comparing them with the running service's."""
        token = self.token("department_staff")
        return [
            sys.executable,
            "-m",
            "services.reporting",
            "rebuild",
            "--compare",
            self.urls["reporting"],
            "--token",
            token,
        ]

    def topic(self, name: str) -> str:
        """Full name of a platform topic in this run, e.g. `intake.events`."""
        return f"ali.{name}.{self.run_id}"

    def schema(self, service: str) -> str:
        """PostgreSQL schema of a service in this run."""
        return f"{self.run_id}_{service}"

    async def restart(self, name: str) -> None:
        """Stop a service gracefully and start it again on the same port and data."""
        self.processes[name].stop()
        self.processes[name] = ServiceProcess(name, "serve", self.env, self.run_id)
        await wait_http_ready(self.urls[name], timeout=90)

    def stop(self) -> None:
        """Stop every service."""
        for process in self.processes.values():
            process.stop()


async def start_platform(infra, key_dir: Path, services: tuple[str, ...] = SERVICES, **settings: object) -> Platform:
    """Start the services (the four by default) and wait until each is ready; `settings` become `ALI_*` variables."""
    run_id = f"e{uuid.uuid4().hex[:10]}"
    RUN_IDS.add(run_id)
    private, public = generate_keys(key_dir)
    ports = {name: free_port() for name in services}
    env = service_env(
        infra, run_id, auth_public_key_file=public, **{f"{n}_http_port": p for n, p in ports.items()}, **settings
    )
    processes = {name: ServiceProcess(name, "serve", env, run_id) for name in services}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    platform = Platform(urls, processes, run_id, infra, env, private.read_text())
    try:
        await asyncio.gather(*(wait_http_ready(url, timeout=90) for url in urls.values()))
    except AssertionError:
        platform.stop()
        tails = "\n".join(f"--- {n}\n{p.log_tail()}" for n, p in processes.items())
        raise AssertionError(f"services did not become ready:\n{tails}") from None
    return platform


def platform_diagnostics(platform: Platform, lines: int = 20) -> str:
    """Each service's `/health/ready` and the last warnings, errors and relay lines of its log (never raises)."""
    import json

    out = []
    for name, url in platform.urls.items():
        try:
            ready = httpx.get(f"{url}/health/ready", timeout=5)
            out.append(f"--- {name} /health/ready {ready.status_code}: {ready.text[:3000]}")
        except httpx.HTTPError as e:
            out.append(f"--- {name} /health/ready: {type(e).__name__}: {e}")
        process = platform.processes.get(name)
        if process is None:
            continue
        noted = []
        for line in process.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            event = str(entry.get("event", ""))
            if entry.get("level") in {"warning", "error", "critical"} or event.startswith("relay."):
                noted.append(line[:800])
        out.append(f"--- {name} log ({process.log_path.name}), last {lines} warnings/errors/relay lines:")
        out.extend(noted[-lines:])
    return "\n".join(out)
