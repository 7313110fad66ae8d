"""Path 3, API latency at a constant rate: four routes of the platform beside a bare FastAPI app.

At each rate (200 and 500 requests/s by default) vegeta first loads the bare app (`bench.bare_app`: GET, then
POST), then each route of the benchmark platform in turn, for the same duration:
- `GET /accompaniments/{id}`: the open accompaniments of the department in turn, a caseworker of its agency;
- `GET /worklists?agency_id=A`: the 22 agencies in turn, a caseworker of the agency;
- `GET /indicators` and `GET /indicators?agency_id=A`: department-wide then each agency in turn, department staff;
- `POST /accompaniments/{id}/appointments`: a different open accompaniment for every request (no two requests on
  one stream, so no version conflict), a caseworker of its agency; these appointments stay in the benchmark
  platform.
After each attack the harness waits (up to 2 min) until the service answers `/health/live` within 100 ms again,
so that no route is measured behind the backlog of the previous one. Each route gives two lines: its p99 (goal
<= 50 ms at 200/s, <= 100 ms at 500/s) and its failed requests (transport errors, time-outs at 10 s and every
non-2xx answer; goal 0). The anchor is the bare app's figure at the same rate (GET for the GET routes, POST for
the POST route).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx

from bench import loadgen
from bench.bare_app import PORT as BARE_PORT
from bench.loadgen import Target
from bench.platform import LOGS, REPO, Platform
from bench.profiling import nothing
from bench.results import Goal, Line
from shared.auth import Role

GOALS_MS = {200: 50.0, 500: 100.0}
ROUTES = ("accompaniment", "worklists", "indicators", "appointments")


@contextlib.contextmanager
def bare_app(port: int = BARE_PORT) -> Iterator[str]:
    """Run the bare app in its own process; yields its URL."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / "bare_app.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_app", "--port", str(port)], cwd=REPO, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bare app did not start (log: {LOGS / 'bare_app.log'})")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def open_accompaniments(plat: Platform) -> list[tuple[str, str]]:
    """(accompaniment id, agency) of every open accompaniment of the benchmark platform."""
    found: list[tuple[str, str]] = []
    headers = {"Authorization": f"Bearer {plat.token()}"}
    async with httpx.AsyncClient(base_url=plat.urls["accompaniment"], headers=headers, timeout=120) as client:
        while True:
            page = await client.get("/accompaniments", params={"status": "open", "limit": 1000, "offset": len(found)})
            page.raise_for_status()
            rows = page.json()
            found += [(r["accompaniment_id"], r["agency_id"]) for r in rows]
            if len(rows) < 1000:
                return found


def _targets(plat: Platform, route: str, people: list[tuple[str, str]], count: int, offset: int) -> list[Target]:
    agencies = sorted({a for _, a in people})
    caseworker = {a: plat.token(Role.CASEWORKER, a) for a in agencies}
    staff = plat.token(Role.DEPARTMENT_STAFF)
    acc = plat.urls["accompaniment"]
    if route == "accompaniment":
        return [
            Target("GET", f"{acc}/accompaniments/{i}", caseworker[a])
            for i, a in (people[(offset + n) % len(people)] for n in range(count))
        ]
    if route == "worklists":
        return [Target("GET", f"{acc}/worklists?agency_id={a}", caseworker[a]) for a in agencies]
    if route == "indicators":
        rep = plat.urls["reporting"]
        return [Target("GET", f"{rep}/indicators", staff)] + [
            Target("GET", f"{rep}/indicators?agency_id={a}", staff) for a in agencies
        ]
    today = date.today().isoformat()
    return [
        Target(
            "POST",
            f"{acc}/accompaniments/{i}/appointments",
            caseworker[a],
            {"appointment_id": str(uuid.uuid4()), "appointment_date": today},
        )
        for i, a in (people[(offset + n) % len(people)] for n in range(count))
    ]


def _settle(url: str, timeout: float = 120) -> float:
    """Wait until the service answers `/health/live` within 100 ms three times in a row (its backlog is done)."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    quick = 0
    while quick < 3 and time.monotonic() - started < timeout:
        begin = time.monotonic()
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            conn.request("GET", "/health/live")
            conn.getresponse().read()
            quick = quick + 1 if time.monotonic() - begin < 0.1 else 0
        except OSError:
            quick = 0
        finally:
            conn.close()
        time.sleep(0.2)
    return time.monotonic() - started


def _lines(route: str, rate: int, report: loadgen.Report, anchor: loadgen.Report) -> list[Line]:
    name = f"api-{route}-{rate}"
    return [
        Line(f"{name}-p99", report.p99, anchor.p99, "ms", Goal.project("<=", GOALS_MS.get(rate, 100.0), "ms")),
        Line(f"{name}-failed", report.errors, anchor.errors, "requests", Goal.project("<=", 0, "requests")),
    ]


def run(
    plat: Platform,
    rates: tuple[int, ...] = (200, 500),
    seconds: float = 20,
    routes: tuple[str, ...] = ROUTES,
    workdir: Path | None = None,
    step=nothing,
) -> tuple[list[Line], list[str]]:
    """Every route at every rate beside the bare app; returns the lines and one detail line per attack."""
    people = asyncio.run(open_accompaniments(plat))
    if not people:
        raise RuntimeError("the benchmark platform has no open accompaniment: load the simulated department first")
    needed = sum(int(r * seconds) for r in rates)
    if "appointments" in routes and len(people) < needed:
        raise RuntimeError(f"{len(people)} open accompaniments, {needed} needed for distinct appointments")
    lines: list[Line] = []
    details: list[str] = []
    offset = 0
    with bare_app() as bare:
        for rate in rates:
            count = int(rate * seconds)
            anchors = {
                "GET": loadgen.attack([Target("GET", f"{bare}/accompaniments/{uuid.uuid4()}")], rate, seconds),
                "POST": loadgen.attack(
                    [Target("POST", f"{bare}/appointments", None, {"appointment_date": date.today().isoformat()})],
                    rate,
                    seconds,
                ),
            }
            for method, report in anchors.items():
                details.append(f"bare app {method} at {rate}/s: {report.summary()}")
            for route in routes:
                targets = _targets(plat, route, people, count, offset)
                offset += count if route == "appointments" else 0
                where = workdir / f"{route}-{rate}" if workdir else None
                service = "reporting" if route == "indicators" else "accompaniment"
                with step(f"api-{route}-{rate}", {service: plat.pid(service)}):
                    report = loadgen.attack(targets, rate, seconds, workdir=where)
                details.append(f"{route} at {rate}/s: {report.summary()}")
                for sample in report.error_samples:
                    details.append(f"  error sample: {sample}")
                lines += _lines(route, rate, report, anchors["POST" if route == "appointments" else "GET"])
                waited = _settle(plat.urls[service])
                if waited > 5:
                    details.append(f"  {service} answered /health/live promptly again {waited:.0f} s after the attack")
    return lines, details
