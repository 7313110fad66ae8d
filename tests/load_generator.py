"""A load generator for the fault tests: commands at a steady rate through the public APIs, and a tally of answers.

It sends, open loop (a tick every 1/rate seconds, whatever the answers), referrals of new people to intake and
barrier identifications on accompaniments already opened to accompaniment, plus the reads a caseworker makes
(finding a person's accompaniment, the department's figures). Every answer is recorded: status, or `timeout` /
`transport` when none came within the client's time-out.

The tally is independent of the platform's stores: a referral answered 201 (or 200 `duplicate` on a retry) is a
person; a barrier answered 201 (or 409 `already_recorded` on a retry of the same barrier id) is a barrier. A
command whose outcome is unknown (503, a proxy's 502 when a process died under it, a time-out) is kept aside and
`settle()` sends it again, identically, until its outcome is known, as a careful client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import string
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from shared.contracts.accompaniment import BarrierCategory

COMMUNES = ("93066", "93027", "93008", "93001", "93048", "93070", "93005", "93055")
CATEGORIES = tuple(BarrierCategory)


@dataclass(frozen=True)
class Answer:
    """One request and what came back (`status` None: no answer; `error` says why)."""

    kind: str
    status: int | None
    started: float
    ended: float
    error: str | None = None
    retry: bool = False


@dataclass(frozen=True)
class Referral:
    """A new person's referral; sent again identically, it designates the same person."""

    body: dict


@dataclass(frozen=True)
class Barrier:
    """A barrier identified on an accompaniment, with its id chosen by the client (a retry names the same one)."""

    accompaniment_id: str
    barrier_id: str
    category: str


@dataclass
class Tally:
    """What the clients know was accepted."""

    people: set[str] = field(default_factory=set)
    barriers: set[str] = field(default_factory=set)


def _name(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=12)).capitalize()


class LoadGenerator:
    """Commands at `rate` per second (a share `barrier_share` of them barriers once accompaniments are known)."""

    def __init__(
        self,
        *,
        intake_url: str,
        accompaniment_url: str,
        reporting_url: str,
        token: str,
        rate: float = 12.0,
        barrier_share: float = 0.3,
        timeout: float = 30.0,
        seed: int = 9,
        max_in_flight: int = 48,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = {"intake": intake_url, "accompaniment": accompaniment_url, "reporting": reporting_url}
        self.rate = rate
        self.barrier_share = barrier_share
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.rng = random.Random(seed)
        self.client = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_in_flight + 8, max_keepalive_connections=max_in_flight + 8),
            transport=transport,
        )
        self.tally = Tally()
        self.answers: list[Answer] = []
        self.sent = Counter()  # commands sent (first attempts), by kind
        self.accepted = Counter()  # commands accepted (at once or on a retry), by kind
        # Ticks not sent because `max_in_flight` requests were still waiting (or the client fell a second behind):
        # the generator never piles up requests faster than the platform answers them.
        self.skipped = 0
        self.uncertain: list[Referral | Barrier] = []
        self._next_allocataire = 5_000_000 + self.rng.randrange(1_000_000)
        # Accompaniments free for a barrier command, with the categories they have left; people to look up.
        self._free: list[tuple[str, list[str]]] = []
        self._to_find: list[tuple[float, str]] = []
        self._tasks: set[asyncio.Task] = set()

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()

    # ------------------------------------------------------------------------------------------------ requests

    async def _request(self, kind: str, method: str, url: str, *, retry: bool = False, **kw) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await self.client.request(method, url, **kw)
        except httpx.TimeoutException as e:
            self.answers.append(Answer(kind, None, started, time.monotonic(), f"timeout: {type(e).__name__}", retry))
            return None
        except httpx.TransportError as e:
            self.answers.append(Answer(kind, None, started, time.monotonic(), f"transport: {e!r}", retry))
            return None
        self.answers.append(Answer(kind, response.status_code, started, time.monotonic(), None, retry))
        return response

    def new_referral(self) -> Referral:
        """A person nobody referred before (unique allocataire number: never a duplicate of anyone)."""
        self._next_allocataire += 1
        body = {
            "first_name": _name(self.rng),
            "last_name": _name(self.rng),
            "birth_date": (date(1965, 1, 1) + timedelta(days=self.rng.randrange(14_000))).isoformat(),
            "allocataire_number": str(self._next_allocataire),
            "allocataire_role": "demandeur",
            "commune_code": self.rng.choice(COMMUNES),
            "orientation_date": (date.today() - timedelta(days=10)).isoformat(),
            "household_type": "single",
            "children": 0,
        }
        return Referral(body)

    async def refer(self, referral: Referral, *, retry: bool = False) -> None:
        """Send a referral; record the person, or keep it aside when the outcome is unknown."""
        response = await self._request(
            "referral", "POST", f"{self.urls['intake']}/referrals", json=referral.body, retry=retry
        )
        if response is not None and response.status_code in (200, 201):
            beneficiary = response.json()["beneficiary_id"]
            self.tally.people.add(beneficiary)
            self.accepted["referral"] += 1
            self._to_find.append((time.monotonic() + 2, beneficiary))
        elif response is None or response.status_code >= 500:
            self.uncertain.append(referral)

    async def identify(self, barrier: Barrier, *, retry: bool = False) -> bool:
        """Send a barrier identification; True once its outcome is known (recorded, or refused)."""
        response = await self._request(
            "barrier",
            "POST",
            f"{self.urls['accompaniment']}/accompaniments/{barrier.accompaniment_id}/barriers",
            json={"barrier_id": barrier.barrier_id, "category": barrier.category},
            retry=retry,
        )
        status = response.status_code if response is not None else None
        code = response.json().get("code") if status == 409 else None
        if status in (200, 201) or (retry and code == "already_recorded"):
            # On a retry, "already recorded" names this very barrier id: the first attempt was stored.
            self.tally.barriers.add(barrier.barrier_id)
            self.accepted["barrier"] += 1
            return True
        if status is None or status >= 500 or code == "concurrent_change":
            # Unknown outcome, or another change of the accompaniment came first: sent again later, identically.
            self.uncertain.append(barrier)
            return False
        return True

    async def _find_accompaniment(self, beneficiary: str) -> None:
        response = await self._request(
            "lookup", "GET", f"{self.urls['accompaniment']}/accompaniments", params={"beneficiary_id": beneficiary}
        )
        if response is not None and response.status_code == 200 and response.json():
            found = response.json()[0]["accompaniment_id"]
            categories = [c.value for c in CATEGORIES]
            self.rng.shuffle(categories)
            self._free.append((found, categories))
        else:
            self._to_find.append((time.monotonic() + 3, beneficiary))

    async def read_figures(self) -> None:
        """A department staff's read of the figures (200 or 503 `recovering`)."""
        await self._request("figures", "GET", f"{self.urls['reporting']}/indicators")

    # ------------------------------------------------------------------------------------------------ the run

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _tick(self, n: int) -> None:
        if self._free and self.rng.random() < self.barrier_share:
            # One command at a time per accompaniment: it is back in the pool once this one is answered.
            accompaniment, left = self._free.pop(0)
            self.sent["barrier"] += 1
            self._spawn(self._identify_then_free(Barrier(accompaniment, str(uuid.uuid4()), left.pop()), left))
        else:
            self.sent["referral"] += 1
            self._spawn(self.refer(self.new_referral()))
        if n % 3 == 0 and self._to_find and self._to_find[0][0] <= time.monotonic():
            _, beneficiary = self._to_find.pop(0)
            self._spawn(self._find_accompaniment(beneficiary))
        if n % max(1, round(self.rate)) == 0:
            self._spawn(self.read_figures())

    async def _identify_then_free(self, barrier: Barrier, left: list[str]) -> None:
        if await self.identify(barrier) and left:
            self._free.append((barrier.accompaniment_id, left))

    async def run(self, stop: asyncio.Event) -> None:
        """Send at the steady rate until `stop` is set, then wait for every answer (at most the client's time-out)."""
        start = time.monotonic()
        n = 0
        while not stop.is_set():
            due = start + n / self.rate
            now = time.monotonic()
            if due > now:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), due - now)
                continue
            if now - due > 1 or len(self._tasks) >= self.max_in_flight:
                self.skipped += 1
            else:
                self._tick(n)
            n += 1
        await self.drain()

    async def drain(self) -> None:
        """Wait until every request sent has its answer (or its time-out)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def settle(self, timeout: float = 180) -> None:
        """Send every command of unknown outcome again until its outcome is known."""
        deadline = time.monotonic() + timeout
        while self.uncertain:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.uncertain)} commands still without a known outcome after {timeout}s")
            pending, self.uncertain = self.uncertain, []
            for command in pending:
                if isinstance(command, Referral):
                    await self.refer(command, retry=True)
                else:
                    await self.identify(command, retry=True)
            if self.uncertain:
                await asyncio.sleep(1)


def unexplained(answers: list[Answer], kills: list[tuple[float, float]]) -> list[Answer]:
    """Answers a client must never get: a 500, a time-out, another status than 2xx, 409 or 503. A proxy's 502/504,
    or the proxy closing the connection without an answer, passes only for a request in flight while its process
    was being SIGKILLed (nothing can answer it): `kills` are the intervals from the kill command's start to its end,
    the process dying at an instant in between."""
    bad = []
    for a in answers:
        in_flight_at_a_kill = any(a.started <= end and start <= a.ended for start, end in kills)
        if a.status is None:
            if not (in_flight_at_a_kill and (a.error or "").startswith("transport")):
                bad.append(a)
        elif a.status == 500:
            bad.append(a)
        elif a.status in (502, 504):
            if not in_flight_at_a_kill:
                bad.append(a)
        elif not (200 <= a.status < 300 or a.status in (409, 503)):
            bad.append(a)
    return bad
