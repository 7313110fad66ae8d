"""Two reporting workers sharing the partitions answer the same figures as one worker, and a worker restarted
with SIGKILL answers 503 `recovering` or the whole figures, never a partial value, without waiting for readiness."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.support import REPO, ServiceProcess, free_port, wait_http_ready, wait_until

pytestmark = pytest.mark.e2e

SIZE = 40
SEED = 5


class Replica:
    """A second reporting process on the platform's schema, topics and consumer group."""

    def __init__(self, platform, **settings: object) -> None:
        self.platform = platform
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(platform.env, ALI_REPORTING_HTTP_PORT=str(self.port))
        env.update({f"ALI_{k.upper()}": str(v) for k, v in settings.items()})
        self.env = env
        self.process = ServiceProcess("reporting", "serve", env, f"{platform.run_id}-replica-{self.port}")

    def restart(self, sig: int, **settings: object) -> None:
        self.process.stop(sig)
        env = dict(self.env, **{f"ALI_{k.upper()}": str(v) for k, v in settings.items()})
        self.process = ServiceProcess("reporting", "serve", env, f"{self.platform.run_id}-replica-{self.port}")

    def client(self) -> httpx.AsyncClient:
        token = self.platform.token("department_staff")
        return httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
async def replica(platform):
    second = Replica(platform)
    try:
        await wait_http_ready(second.url, timeout=90)
        yield second
    finally:
        second.process.stop()


@pytest.fixture(scope="module")
def department(platform, replica):
    """A small simulated department played through the public APIs while both workers consume."""
    args = [sys.executable, "-m", "simulation", "--size", str(SIZE), "--seed", str(SEED)]
    args += ["--token", platform.token("admin")]
    for name, url in platform.urls.items():
        args += [f"--{name}-url", url]
    run = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]


async def _figures(client: httpx.AsyncClient, agencies: list[str]) -> dict:
    out = {}
    for scope in [None, *agencies]:
        response = await client.get("/indicators", params={"agency_id": scope} if scope else {})
        response.raise_for_status()
        out[scope] = response.json()
    return out


async def _agencies(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/indicators/agencies")
    response.raise_for_status()
    return [a["agency_id"] for a in response.json()["agencies"]]


def _rebuild_compare(platform, url: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "services.reporting", "rebuild", "--workers", "1", "--compare", url]
    args += ["--token", platform.token("department_staff")]
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, env=platform.env, timeout=600)


async def test_two_workers_share_the_partitions_and_answer_what_one_worker_folds(platform, replica, department):
    async with platform.client("reporting", "department_staff") as first, replica.client() as second:

        async def agree():
            agencies = await _agencies(first)
            a, b = await _figures(first, agencies), await _figures(second, agencies)
            return (agencies, a) if a == b and a[None]["accompaniments"]["entries"] > 0 else None

        agencies, figures = await wait_until(agree, 120, interval=1, message="both workers to answer the same figures")
        assert len(agencies) >= 2
        ready = [(await c.get("/health/ready")).json()["checks"]["projection"] for c in (first, second)]
    assert all(r["partitions"] > 0 for r in ready), f"the partitions are shared: {ready}"
    assert sum(r["partitions"] for r in ready) == 18
    assert all(r["applied"] > 0 for r in ready), "both workers folded events"
    # A single process reading every partition from the beginning gives the same figures as either replica.
    for url in (platform.urls["reporting"], replica.url):
        run = await asyncio.to_thread(_rebuild_compare, platform, url)
        assert run.returncode == 0, run.stderr[-3000:]
        assert f"identical to the rebuild (department and {len(agencies)} agencies)" in run.stderr
    assert figures[None]["accompaniments"]["caseload"] == sum(
        figures[a]["accompaniments"]["caseload"] for a in agencies
    )


async def test_a_worker_killed_and_restarted_answers_recovering_or_the_whole_figures(platform, replica, department):
    async with platform.client("reporting", "department_staff") as first:
        agencies = await _agencies(first)
        before = await _figures(first, agencies)
    replica.restart(signal.SIGKILL, fault_reporting_recovery_delay_seconds=3)
    seen: list[int] = []
    deadline = time.monotonic() + 90
    async with replica.client() as second:
        while time.monotonic() < deadline and seen.count(200) < 3:
            try:
                response = await second.get("/indicators")
            except httpx.TransportError:
                await asyncio.sleep(0.05)  # not listening yet
                continue
            seen.append(response.status_code)
            if response.status_code == 503:
                assert response.headers["Retry-After"].isdigit()
                assert response.json()["state"] == "recovering"
            else:
                assert response.status_code == 200, response.text
                assert response.json() == before[None], "a restarted worker answered partial figures"
            await asyncio.sleep(0.05)
        assert 503 in seen and seen.count(200) >= 3, seen
        assert await _figures(second, agencies) == before
        status = (await second.get("/indicators/status")).json()
        assert status["state"] == "ready" and status["recovered_in_seconds"] is not None


async def test_a_new_closure_reaches_both_workers(platform, replica, department):
    async with platform.client("reporting", "department_staff") as first, replica.client() as second:
        exits = [(await c.get("/indicators")).json()["accompaniments"]["exits"] for c in (first, second)]
        assert exits[0] == exits[1]
        async with platform.client("accompaniment") as accompaniment:
            found = (await accompaniment.get("/accompaniments", params={"status": "open", "limit": 1})).json()
            closed = await accompaniment.post(
                f"/accompaniments/{found[0]['accompaniment_id']}/closure", json={"exit_category": "qualifying_training"}
            )
            assert closed.status_code == 200, closed.text

        async def both_count_it():
            counts = [(await c.get("/indicators")).json()["accompaniments"]["exits"] for c in (first, second)]
            return counts == [exits[0] + 1] * 2

        await wait_until(both_count_it, 60, message="both workers to count the exit")
