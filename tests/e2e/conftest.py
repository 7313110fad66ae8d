from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import pytest

from tests.support import ServiceProcess, service_env, wait_http_ready

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "accompaniment", "placement", "reporting")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Platform:
    """The four services running as processes, on topics and schemas of their own."""

    urls: dict[str, str]
    processes: dict[str, ServiceProcess]
    run_id: str
    kafka: str
    env: dict[str, str]

    async def restart(self, name: str) -> None:
        """Stop a service gracefully and start it again on the same port and data."""
        self.processes[name].stop()
        self.processes[name] = ServiceProcess(name, "serve", self.env, self.run_id)
        await wait_http_ready(self.urls[name], timeout=90)


@pytest.fixture(scope="module")
async def platform(infra):
    """Start the four services and wait until each is ready."""
    import uuid

    run_id = f"e{uuid.uuid4().hex[:10]}"
    ports = {name: _free_port() for name in SERVICES}
    env = service_env(infra, run_id, **{f"{name}_http_port": port for name, port in ports.items()})
    processes = {name: ServiceProcess(name, "serve", env, run_id) for name in SERVICES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        await asyncio.gather(*(wait_http_ready(url, timeout=90) for url in urls.values()))
    except AssertionError:
        for process in processes.values():
            process.stop()
        tails = "\n".join(f"--- {n}\n{p.log_tail()}" for n, p in processes.items())
        raise AssertionError(f"services did not become ready:\n{tails}") from None
    yield Platform(urls, processes, run_id, infra.kafka_bootstrap_servers, env)
    for process in processes.values():
        process.stop()
