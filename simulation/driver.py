"""Plays a plan of the department through the platform's public HTTP APIs (import and routes, never the databases)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simulation.population import APTITUDES, SECTORS, WORKSHOP_THEMES, Plan

IMPORT_CHUNK = 5000
WORKSHOP_CAPACITY = 12


class SimulationError(Exception):
    """The platform refused something the plan needs; the message says what."""


class _Batches:
    """A service's pending requests, sent together as `POST /batch` as soon as a connection is free.

    Like a DataLoader: each caller puts its request in the pending list and awaits its own answer; `connections`
    senders each take up to `size` pending requests (after waiting `linger` seconds for more when fewer are
    pending) and send them in one batch. The requests of a batch come from different callers, each awaiting one
    answer at a time, so they are independent of each other, as the route requires.
    """

    def __init__(self, client: httpx.AsyncClient, size: int, linger: float, connections: int) -> None:
        self.client = client
        self.size = size
        self.linger = linger
        self.pending: list[tuple[dict, asyncio.Future]] = []
        self.ready = asyncio.Event()
        self.senders = [asyncio.create_task(self._sender()) for _ in range(connections)]
        self.sent = 0

    async def request(self, method: str, url: str, body: object) -> tuple[int, object]:
        """The status and JSON body of one request, answered within a batch."""
        future = asyncio.get_running_loop().create_future()
        self.sent += 1
        self.pending.append(({"id": str(self.sent), "method": method, "url": url, "body": body}, future))
        self.ready.set()
        return await future

    async def close(self) -> None:
        for sender in self.senders:
            sender.cancel()
        await asyncio.gather(*self.senders, return_exceptions=True)

    async def _sender(self) -> None:
        while True:
            await self.ready.wait()
            if len(self.pending) < self.size:
                await asyncio.sleep(self.linger)
            taken, self.pending = self.pending[: self.size], self.pending[self.size :]
            if not self.pending:
                self.ready.clear()
            if taken:
                await self._send(taken)

    async def _send(self, taken: list[tuple[dict, asyncio.Future]]) -> None:
        try:
            for attempt in range(20):
                response = await self.client.post("/batch", json={"requests": [r for r, _ in taken]})
                if response.status_code != 503:
                    break
                await asyncio.sleep(float(response.headers.get("retry-after", 1)) * min(attempt + 1, 5) / 5)
            if response.status_code != 200:
                raise SimulationError(f"POST /batch: {response.status_code} {response.text[:500]}")
            answers = {a["id"]: (a["status"], a["body"]) for a in response.json()["responses"]}
        except Exception as e:  # every caller of the batch learns why
            for _, future in taken:
                if not future.done():
                    future.set_exception(e)
            return
        for request, future in taken:
            if not future.done():
                future.set_result(answers[request["id"]])


@dataclass
class Api:
    """Clients of the four services, authenticated as the department's integration (admin).

    With `batch` > 1, requests with a JSON body or none (all but imports and paged lists) are sent in batches of
    up to `batch` (`POST /batch` of each service, shared/http/batch.py), over at most `connections` connections per
    service; `concurrency` is how many people the simulation plays at once.
    """

    urls: dict[str, str]
    token: str
    concurrency: int = 24
    batch: int = 1
    connections: int = 4
    linger: float = 0.002
    # When a list, every HTTP request sent is appended to it: (method, path and query, body bytes, content type).
    record: list[tuple[str, str, bytes, str | None]] | None = None
    transport: httpx.AsyncBaseTransport | None = None  # tests: an application in process
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    batches: dict[str, _Batches] = field(default_factory=dict)

    async def __aenter__(self) -> Api:
        headers = {"Authorization": f"Bearer {self.token}"}
        connections = self.connections if self.batch > 1 else self.concurrency
        # Idle connections are dropped before the servers' keep-alive timeout (5 s) can close them under us.
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0)
        hooks = {"request": [self._record]} if self.record is not None else {}
        for name, url in self.urls.items():
            self.clients[name] = httpx.AsyncClient(
                base_url=url, headers=headers, timeout=120, limits=limits, event_hooks=hooks, transport=self.transport
            )
            if self.batch > 1:
                self.batches[name] = _Batches(self.clients[name], self.batch, self.linger, self.connections)
        return self

    async def __aexit__(self, *_exc) -> None:
        for batches in self.batches.values():
            await batches.close()
        for client in self.clients.values():
            await client.aclose()

    async def _record(self, request: httpx.Request) -> None:
        assert self.record is not None
        self.record.append(
            (request.method, request.url.raw_path.decode(), request.content, request.headers.get("content-type"))
        )

    async def _one(self, service: str, method: str, path: str, kwargs: dict) -> tuple[int, object, str]:
        batches = self.batches.get(service)
        if batches is not None and set(kwargs) <= {"json"}:
            status, body = await batches.request(method, path, kwargs.get("json"))
            return status, body, "" if status < 400 else json.dumps(body, ensure_ascii=False)
        response = await self.clients[service].request(method, path, **kwargs)
        if response.status_code >= 400:
            text = response.text
            try:
                return response.status_code, response.json(), text
            except ValueError:
                return response.status_code, None, text
        return response.status_code, response.json(), ""

    async def call(self, service: str, method: str, path: str, **kwargs) -> dict | list:
        """One request; a version conflict (two writes on one stream) is retried, anything else is an error."""
        for attempt in range(8):
            status, body, text = await self._one(service, method, path, kwargs)
            if status == 409 and isinstance(body, dict) and body.get("code") == "concurrent_change":
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            if status >= 400:
                raise SimulationError(f"{method} {service}{path}: {status} {text[:500]}")
            return body
        raise SimulationError(f"{method} {service}{path}: still conflicting after 8 tries")


async def _bounded(
    tasks: Iterable[Callable[[], Awaitable[None]]], limit: int, progress: Progress, label: str, total: int
) -> None:
    semaphore = asyncio.Semaphore(limit)
    task_id = progress.add_task(label, total=total)

    step = max(1, total // 20)
    done = 0
    started = time.monotonic()

    async def run(job):
        nonlocal done
        async with semaphore:
            await job()
        progress.advance(task_id)
        done += 1
        if not progress.console.is_terminal and (done % step == 0 or done == total):
            # A log file gets a line every 5 % instead of a bar.
            progress.console.print(f"{label}: {done}/{total} ({time.monotonic() - started:.0f} s)")

    await asyncio.gather(*(run(job) for job in tasks))


def _csv(plans: list[Plan], *, returns: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "last_name",
            "first_name",
            "birth_date",
            "commune_code",
            "household_type",
            "children",
            "orientation_date",
            "enrolment_date",
            "referral_source",
        ]
    )
    for p in plans:
        orientation, enrolment = p.comeback if returns and p.comeback else (p.orientation, p.enrolment)
        writer.writerow(
            [
                p.last_name,
                p.first_name,
                p.birth_date.strftime("%d/%m/%Y"),
                p.commune_code,
                p.household_type,
                p.children,
                orientation.isoformat(),
                enrolment.isoformat(),
                "caf_monthly_list",
            ]
        )
    return out.getvalue().encode()


def _siret(rng: random.Random) -> str:
    """A random SIRET with a valid Luhn key."""
    digits = [rng.randint(0, 9) for _ in range(13)]
    for check in range(10):
        candidate = digits + [check]
        total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d for i, d in enumerate(reversed(candidate)))
        if total % 10 == 0 and candidate[:9] != [3, 5, 6, 0, 0, 0, 0, 0, 0]:
            return "".join(map(str, candidate))
    return _siret(rng)


@dataclass
class Department:
    """The plan and the ids the platform gave to its people, employers and sessions."""

    plans: list[Plan]
    today: date
    rng: random.Random
    beneficiaries: dict[int, str] = field(default_factory=dict)
    accompaniments: dict[int, str] = field(default_factory=dict)
    employers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    sessions: dict[tuple[str, date], list[tuple[str, date]]] = field(default_factory=lambda: defaultdict(list))


async def play(plans: list[Plan], api: Api, today: date, seed: int, progress: Progress) -> Department:
    """Drive the whole plan; returns what the platform created."""
    dept = Department(plans, today, random.Random(seed))
    with _phase(progress, "import"):
        await _import(dept, api, progress)
    with _phase(progress, "openings"):
        await _await_accompaniments(dept, api, progress)
    with _phase(progress, "employers"):
        await _employers(dept, api, progress)
    with _phase(progress, "sessions"):
        await _sessions(dept, api, progress)
    with _phase(progress, "follow-up"):
        await _bounded(
            [lambda p=p: _follow_up(dept, api, p) for p in plans],
            api.concurrency,
            progress,
            "follow-up (contracts, appointments, barriers...)",
            len(plans),
        )
    with _phase(progress, "workshops"):
        await _workshops(dept, api, progress)
    with _phase(progress, "placement"):
        await _placement(dept, api, progress)
    closing = [p for p in plans if p.exit]
    with _phase(progress, "exits"):
        await _bounded(
            [lambda p=p: _close(dept, api, p) for p in closing], api.concurrency, progress, "exits", len(closing)
        )
    with _phase(progress, "returns"):
        await _returns(dept, api, progress)
    return dept


@contextmanager
def _phase(progress: Progress, name: str) -> Iterator[None]:
    """A log file has no bars: the phase's duration is written there instead."""
    started = time.monotonic()
    yield
    if not progress.console.is_terminal:
        progress.console.print(f"phase {name}: {time.monotonic() - started:.1f} s")


async def _import(dept: Department, api: Api, progress: Progress) -> None:
    task = progress.add_task("referral files (import)", total=len(dept.plans))
    for start in range(0, len(dept.plans), IMPORT_CHUNK):
        chunk = dept.plans[start : start + IMPORT_CHUNK]
        report = await api.call(
            "intake", "POST", "/referrals/import", content=_csv(chunk), headers={"content-type": "text/csv"}
        )
        for row in report["rows"]:
            if row["status"] == "rejected":
                raise SimulationError(f"import rejected line {row['line']}: {row.get('reason')}")
            dept.beneficiaries[chunk[row["line"] - 2].index] = row["beneficiary_id"]
        progress.advance(task, len(chunk))


async def _await_accompaniments(dept: Department, api: Api, progress: Progress) -> None:
    by_beneficiary = {b: i for i, b in dept.beneficiaries.items()}
    task = progress.add_task("accompaniments opened", total=len(by_beneficiary))
    found: dict[int, str] = {}
    for _ in range(600):
        # Fewer accompaniments than people: not all opened yet, and no need to read every page to know it.
        probe = {"limit": 1, "offset": len(by_beneficiary) - 1}
        if by_beneficiary and not await api.call("accompaniment", "GET", "/accompaniments", params=probe):
            await asyncio.sleep(1)
            continue
        offset, found = 0, {}
        while True:
            page = await api.call("accompaniment", "GET", "/accompaniments", params={"limit": 1000, "offset": offset})
            for a in page:
                if a["beneficiary_id"] in by_beneficiary:
                    found[by_beneficiary[a["beneficiary_id"]]] = a["accompaniment_id"]
            if len(page) < 1000:
                break
            offset += 1000
        progress.update(task, completed=len(found))
        if len(found) == len(by_beneficiary):
            dept.accompaniments = found
            return
        await asyncio.sleep(1)
    opened = f"only {len(found)}" if found else "fewer"
    raise SimulationError(
        f"{opened} of {len(by_beneficiary)} accompaniments opened after 600 s: is accompaniment consuming?"
    )


async def _employers(dept: Department, api: Api, progress: Progress) -> None:
    per_agency = defaultdict(int)
    for p in dept.plans:
        per_agency[p.agency_id] += 1
    jobs = []
    for agency, people in sorted(per_agency.items()):
        commune = next(p.commune_code for p in dept.plans if p.agency_id == agency)
        for n in range(max(3, people // 60)):
            body = {
                "siret": _siret(dept.rng),
                "name": f"Employeur {agency[4:]} {n + 1}",
                "size": dept.rng.choice(["tpe", "tpe", "pme", "pme", "eti"]),
                "sector": dept.rng.choice(SECTORS),
                "social_economy": dept.rng.random() < 0.2,
                "siae": dept.rng.random() < 0.1,
                "commune_code": commune,
                "agency_id": agency,
            }
            contact_day = dept.today - timedelta(days=dept.rng.randint(1, 300))

            async def register(body=body, agency=agency, contact_day=contact_day):
                employer = await api.call("placement", "POST", "/employers", json=body)
                dept.employers[agency].append(employer["employer_id"])
                await api.call(
                    "placement",
                    "POST",
                    f"/employers/{employer['employer_id']}/contacts",
                    json={"contact_date": contact_day.isoformat(), "kind": "visit", "agency_id": agency},
                )

            jobs.append(register)
    await _bounded(jobs, api.concurrency, progress, "employers and visits", len(jobs))


async def _sessions(dept: Department, api: Api, progress: Progress) -> None:
    wanted = defaultdict(int)
    for p in dept.plans:
        for month in p.workshop_months:
            wanted[(p.agency_id, month)] += 1
    jobs = []
    for (agency, month), people in sorted(wanted.items()):
        for n in range(-(-people // WORKSHOP_CAPACITY)):
            day = min(dept.today, month + timedelta(days=7 + 5 * n))

            async def schedule(agency=agency, month=month, day=day, n=n):
                theme = WORKSHOP_THEMES[(month.month + n) % len(WORKSHOP_THEMES)]
                session = await api.call(
                    "accompaniment",
                    "POST",
                    "/workshops",
                    json={
                        "agency_id": agency,
                        "theme": theme.value,
                        "session_date": day.isoformat(),
                        "capacity": WORKSHOP_CAPACITY,
                    },
                )
                dept.sessions[(agency, month)].append((session["session_id"], day))

            jobs.append(schedule)
    await _bounded(jobs, api.concurrency, progress, "workshop sessions", len(jobs))


async def _follow_up(dept: Department, api: Api, p: Plan) -> None:
    acc = f"/accompaniments/{dept.accompaniments[p.index]}"
    call = api.call
    if p.contract_signed:
        await call(
            "accompaniment", "POST", f"{acc}/engagement-contract", json={"signed_on": p.contract_signed.isoformat()}
        )
    if p.first_appointment:
        appointment = str(uuid.uuid4())
        await call(
            "accompaniment",
            "POST",
            f"{acc}/appointments",
            json={"appointment_id": appointment, "appointment_date": p.first_appointment.isoformat()},
        )
        await call("accompaniment", "POST", f"{acc}/appointments/{appointment}/held")
    for category, identified, lifted in p.barriers:
        barrier = str(uuid.uuid4())
        await call(
            "accompaniment",
            "POST",
            f"{acc}/barriers",
            json={"barrier_id": barrier, "category": category.value, "identified_on": identified.isoformat()},
        )
        if lifted:
            await call(
                "accompaniment",
                "POST",
                f"{acc}/barriers/{barrier}/status",
                json={"status": "lifted", "on": lifted.isoformat()},
            )
    if p.wants_work:
        await call(
            "accompaniment",
            "PUT",
            f"{acc}/candidate-profile",
            json={
                "aptitudes": dept.rng.sample(APTITUDES, 3),
                "available_slots": ["morning", "afternoon"],
                "max_weekly_hours": dept.rng.choice([20, 24, 30, 35]),
                "max_commute_km": dept.rng.choice([5, 10, 15]),
                "driving_licence": dept.rng.random() < 0.3,
                "wished_sectors": dept.rng.sample(SECTORS, 2),
            },
        )
    if p.suspension:
        since, until = p.suspension
        await call(
            "accompaniment",
            "POST",
            f"{acc}/suspension",
            json={"reason": "sick_leave", "suspended_on": since.isoformat()},
        )
        if until:
            await call("accompaniment", "POST", f"{acc}/resumption", json={"resumed_on": until.isoformat()})
    if p.renewal:
        await call(
            "accompaniment",
            "POST",
            f"{acc}/renewal",
            json={"reason": "job_search_in_progress", "renewed_on": p.renewal.isoformat()},
        )


async def _workshops(dept: Department, api: Api, progress: Progress) -> None:
    seats: dict[str, list[int]] = defaultdict(list)
    for p in dept.plans:
        for month in p.workshop_months:
            for session_id, day in dept.sessions[(p.agency_id, month)]:
                if len(seats[session_id]) < WORKSHOP_CAPACITY and p.active_on(day) and not _suspended(p, day):
                    seats[session_id].append(p.index)
                    break

    async def fill(session_id: str, people: list[int]) -> None:
        for index in people:
            await api.call(
                "accompaniment",
                "POST",
                f"/workshops/{session_id}/registrations",
                json={"accompaniment_id": dept.accompaniments[index]},
            )
        sheet = [{"accompaniment_id": dept.accompaniments[i], "attended": dept.rng.random() < 0.8} for i in people]
        await api.call("accompaniment", "POST", f"/workshops/{session_id}/attendance", json={"participants": sheet})

    jobs = [lambda s=s, people=people: fill(s, people) for s, people in seats.items() if people]
    await _bounded(jobs, max(1, api.concurrency // 2), progress, "workshop registrations and attendance", len(jobs))


def _suspended(p: Plan, day: date) -> bool:
    return bool(p.suspension and p.suspension[0] <= day and (p.suspension[1] is None or p.suspension[1] > day))


async def _placement(dept: Department, api: Api, progress: Progress) -> None:
    people = [p for p in dept.plans if p.wants_work]
    wanted = {dept.beneficiaries[p.index] for p in people}
    for _ in range(300):
        known = set()
        offset = 0
        while True:
            page = await api.call("placement", "GET", "/candidates", params={"limit": 1000, "offset": offset})
            known |= {c["beneficiary_id"] for c in page}
            if len(page) < 1000:
                break
            offset += 1000
        if wanted <= known:
            break
        await asyncio.sleep(1)
    else:
        raise SimulationError("placement never received the candidate profiles: is its consumer running?")
    await _bounded(
        [lambda p=p: _introduce(dept, api, p) for p in people],
        api.concurrency,
        progress,
        "introductions, hires, immersions",
        len(people),
    )


async def _introduce(dept: Department, api: Api, p: Plan) -> None:
    beneficiary = dept.beneficiaries[p.index]
    employer = dept.rng.choice(dept.employers[p.agency_id])
    for day, hired in ((p.failed_introduction, False), (p.hire[0] if p.hire else None, True)):
        if day is None:
            continue
        contract, months = (str(p.hire[1]), p.hire[2]) if hired else ("cdi", None)
        introduction_id = await _introduced(dept, api, p, employer, day, contract, months)
        outcome = (
            _hire_outcome(day, contract, months)
            if hired
            else {"outcome": "not_hired", "decided_on": day.isoformat(), "reason": "employer_declined"}
        )
        result = await api.call("placement", "POST", f"/introductions/{introduction_id}/outcome", json=outcome)
        if hired:
            hire_id = result.get("hire_id")
            for month in (1, 3, 6):
                checked = day + timedelta(days=30 * month + 2)
                if checked <= dept.today and hire_id:
                    await api.call(
                        "placement",
                        "POST",
                        f"/hires/{hire_id}/check-ins",
                        json={
                            "month": month,
                            "checked_on": checked.isoformat(),
                            "still_employed": dept.rng.random() < 0.85,
                        },
                    )
    if p.hire_ended_early:
        start, ended = p.hire_ended_early
        hire_id = await _hired(dept, api, p, employer, start, "cdi", None)
        await api.call(
            "placement",
            "POST",
            f"/hires/{hire_id}/early-end",
            json={
                "ended_on": ended.isoformat(),
                "reason": dept.rng.choice(["trial_period_ended_by_employer", "resignation"]),
            },
        )
    if p.immersion:
        start, days = p.immersion
        end = start + timedelta(days=days + days // 5 * 2)
        immersion = await api.call(
            "placement",
            "POST",
            "/immersions",
            json={
                "beneficiary_id": beneficiary,
                "host_kind": "employer",
                "employer_id": employer,
                "sector": dept.rng.choice(SECTORS),
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "days_of_presence": days,
            },
        )
        if end < dept.today:
            await api.call(
                "placement",
                "POST",
                f"/immersions/{immersion['immersion_id']}/outcome",
                json={
                    "outcome": dept.rng.choice(["hired", "training", "no_follow_up"]),
                    "completed_on": end.isoformat(),
                },
            )


async def _introduced(dept: Department, api: Api, p: Plan, employer: str, day: date, contract: str, months) -> str:
    """A need of the employer published three days before `day`, and the person introduced for it on `day`."""
    need = await api.call(
        "placement",
        "POST",
        "/needs",
        json={
            "employer_id": employer,
            "agency_id": p.agency_id,
            "title": "poste",
            "sector": dept.rng.choice(SECTORS),
            "tasks": ["tâches du poste"],
            "weekly_hours": 30,
            "time_slots": ["morning", "afternoon"],
            "commune_code": p.commune_code,
            "required_aptitudes": [],
            "working_conditions": [],
            "contract_type": contract,
            "duration_months": months,
            "positions": 1,
            "published_on": (day - timedelta(days=3)).isoformat(),
        },
    )
    intro = await api.call(
        "placement",
        "POST",
        "/introductions",
        json={
            "need_id": need["need_id"],
            "beneficiary_id": dept.beneficiaries[p.index],
            "introduced_on": day.isoformat(),
        },
    )
    return intro["introduction_id"]


def _hire_outcome(day: date, contract: str, months) -> dict:
    """The outcome of an introduction ending in a hire starting on `day`."""
    return {
        "outcome": "hired",
        "decided_on": day.isoformat(),
        "contract_type": contract,
        "duration_months": months,
        "weekly_hours": 30,
        "start_date": day.isoformat(),
    }


async def _hired(dept: Department, api: Api, p: Plan, employer: str, day: date, contract: str, months) -> str:
    """A need of the employer, the person introduced for it and hired on `day`; the hire id."""
    introduction_id = await _introduced(dept, api, p, employer, day, contract, months)
    outcome = _hire_outcome(day, contract, months)
    result = await api.call("placement", "POST", f"/introductions/{introduction_id}/outcome", json=outcome)
    return result["hire_id"]


async def _close(dept: Department, api: Api, p: Plan) -> None:
    day, category = p.exit
    await api.call(
        "accompaniment",
        "POST",
        f"/accompaniments/{dept.accompaniments[p.index]}/closure",
        json={"exit_category": category.value, "closed_on": day.isoformat()},
    )


async def _returns(dept: Department, api: Api, progress: Progress) -> None:
    """People who left come back: once intake knows their accompaniment closed, they are referred again."""
    back = [p for p in dept.plans if p.comeback]
    if not back:
        return
    task = progress.add_task("returns (referred again after their exit)", total=len(back))
    waiting = {p.index for p in back}
    semaphore = asyncio.Semaphore(api.concurrency)

    async def check(index: int) -> None:
        async with semaphore:
            person = await api.call("intake", "GET", f"/beneficiaries/{dept.beneficiaries[index]}")
        if person.get("follow_up", {}).get("status") == "closed":
            waiting.discard(index)

    for _ in range(300):
        await asyncio.gather(*(check(index) for index in sorted(waiting)))
        if not waiting:
            break
        await asyncio.sleep(1)
    else:
        raise SimulationError(f"intake never learnt that {len(waiting)} accompaniments closed: is it consuming?")
    report = await api.call(
        "intake", "POST", "/referrals/import", content=_csv(back, returns=True), headers={"content-type": "text/csv"}
    )
    for row in report["rows"]:
        if row["status"] != "return":
            raise SimulationError(f"return file, line {row['line']}: {row['status']} {row.get('reason') or ''}")
    progress.advance(task, len(back))


def progress_bar() -> Progress:
    """The progress display of a run."""
    return Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
