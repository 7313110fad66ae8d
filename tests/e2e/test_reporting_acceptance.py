"""The department's acceptance scenario (`reporting_acceptance.py`) played through the public HTTP APIs of intake,
accompaniment and placement, then `/indicators` and `/indicators.csv` compared with the scenario's own tally for
the department and every agency, over several periods and as-of dates."""

from __future__ import annotations

import asyncio
import csv
import io
import random
import uuid
from datetime import date, timedelta

import pytest

from simulation.driver import Api, _siret
from tests.e2e import reporting_acceptance as acceptance
from tests.support import wait_until

pytestmark = pytest.mark.e2e

TODAY = date.today()
W0 = TODAY - timedelta(days=700)
QUERIES = [
    acceptance.Query(W0, W0 + timedelta(days=364), W0 + timedelta(days=364)),
    acceptance.Query(W0 + timedelta(days=365), TODAY - timedelta(days=1), TODAY - timedelta(days=1)),
    acceptance.Query(W0 + timedelta(days=400), W0 + timedelta(days=490), W0 + timedelta(days=490)),
    acceptance.Query(W0 + timedelta(days=200), W0 + timedelta(days=230), W0 + timedelta(days=260)),
    acceptance.Query(W0, TODAY, TODAY),
]


class Played:
    """Ids the platform gave to the scenario's people and employers."""

    def __init__(self) -> None:
        self.beneficiaries: dict[int, str] = {}
        self.accompaniments: dict[int, str] = {}
        self.employers: dict[str, str] = {}


async def _until(api: Api, service: str, path: str, check, what: str, **params):
    async def probe():
        response = await api.clients[service].get(path, params=params)
        return check(response) if response.status_code == 200 else None

    return await wait_until(probe, 120, interval=0.3, message=what)


async def _employers(api: Api, s: acceptance.Scenario, played: Played) -> None:
    rng = random.Random(7)
    for agency, commune in acceptance.AGENCIES.items():
        employer = await api.call(
            "placement",
            "POST",
            "/employers",
            json={
                "siret": _siret(rng),
                "name": f"Entreprise {agency}",
                "size": "pme",
                "sector": "H",
                "commune_code": commune,
                "agency_id": agency,
            },
        )
        played.employers[agency] = employer["employer_id"]
        for day in s.contacts[agency]:
            await api.call(
                "placement",
                "POST",
                f"/employers/{employer['employer_id']}/contacts",
                json={"contact_date": day.isoformat(), "kind": "visit", "agency_id": agency},
            )


def _actions(p: acceptance.Person) -> list[tuple[date, str, object]]:
    """The person's dated accompaniment actions in the order they are entered."""
    actions: list[tuple[date, str, object]] = []
    if p.appointments:
        # Entered together, at the first one's date, in the scenario's order (later one first, sometimes).
        actions.append((min(p.appointments), "appointments", p.appointments))
    if p.contract:
        actions.append((p.contract, "contract", p.contract))
    for category, identified, lifted in p.barriers:
        actions.append((identified, "barrier", category))
        if lifted:
            actions.append((lifted, "lift", category))
    if p.transfer:
        actions.append((p.transfer[0], "transfer", p.transfer))
    if p.renewal:
        actions.append((p.renewal, "renewal", p.renewal))
    if p.suspension:
        actions.append((p.suspension[0], "suspend", p.suspension[0]))
        if p.suspension[1]:
            actions.append((p.suspension[1], "resume", p.suspension[1]))
    order = {"suspend": 2, "resume": 0}
    return sorted(actions, key=lambda a: (a[0], order.get(a[1], 1)))


async def _person(api: Api, s: acceptance.Scenario, p: acceptance.Person, played: Played) -> None:
    commune = acceptance.AGENCIES[p.agency]
    identity = {
        "first_name": "Recette",
        "last_name": f"Scenario-{p.index:03d}-{uuid.uuid4().hex[:6]}",
        "birth_date": (date(1970, 1, 1) + timedelta(days=p.index * 97)).isoformat(),
    }
    referral = await api.call(
        "intake",
        "POST",
        "/referrals",
        json={
            **identity,
            "commune_code": commune,
            "orientation_date": p.orientation.isoformat(),
            "enrolment_date": p.start.isoformat(),
        },
    )
    b = played.beneficiaries[p.index] = referral["beneficiary_id"]
    found = await _until(
        api, "accompaniment", "/accompaniments", lambda r: r.json() or None, "an accompaniment", beneficiary_id=b
    )
    a = played.accompaniments[p.index] = found[0]["accompaniment_id"]
    acc = f"/accompaniments/{a}"
    for _day, kind, what in _actions(p):
        if kind == "appointments":
            for day in what:
                appointment = str(uuid.uuid4())
                body = {"appointment_id": appointment, "appointment_date": day.isoformat()}
                await api.call("accompaniment", "POST", f"{acc}/appointments", json=body)
                await api.call("accompaniment", "POST", f"{acc}/appointments/{appointment}/held", json={})
        elif kind == "contract":
            await api.call("accompaniment", "POST", f"{acc}/engagement-contract", json={"signed_on": what.isoformat()})
        elif kind == "barrier":
            await api.call(
                "accompaniment", "POST", f"{acc}/barriers", json={"category": what, "identified_on": _day.isoformat()}
            )
        elif kind == "lift":
            await api.call(
                "accompaniment",
                "POST",
                f"{acc}/barriers/{what}/status",
                json={"status": "lifted", "on": _day.isoformat()},
            )
        elif kind == "transfer":
            day, to = what
            await api.call(
                "intake",
                "POST",
                f"/beneficiaries/{b}/transfer",
                json={"commune_code": acceptance.AGENCIES[to], "transferred_on": day.isoformat()},
            )
            await _until(
                api,
                "accompaniment",
                acc,
                lambda r, to=to: r.json()["agency_id"] == to or None,
                "the transfer to reach it",
            )
        elif kind == "renewal":
            await api.call(
                "accompaniment",
                "POST",
                f"{acc}/renewal",
                json={"reason": "job_search_in_progress", "renewed_on": what.isoformat()},
            )
        elif kind == "suspend":
            await api.call(
                "accompaniment",
                "POST",
                f"{acc}/suspension",
                json={"reason": "sick_leave", "suspended_on": what.isoformat()},
            )
        elif kind == "resume":
            await api.call("accompaniment", "POST", f"{acc}/resumption", json={"resumed_on": what.isoformat()})
    if p.placement or p.immersion:
        await _placement(api, s, p, played, acc, b)
    if p.closure:
        day, category = p.closure
        await api.call(
            "accompaniment", "POST", f"{acc}/closure", json={"exit_category": category, "closed_on": day.isoformat()}
        )
    if p.comeback:
        await _come_back(api, p, identity, b)


async def _come_back(api: Api, p: acceptance.Person, identity: dict, b: str) -> None:
    """Referred again once intake knows the accompaniment closed: a return, a second accompaniment."""
    await _until(
        api,
        "intake",
        f"/beneficiaries/{b}",
        lambda r: r.json().get("follow_up", {}).get("status") == "closed" or None,
        "intake to know the accompaniment closed",
    )
    oriented, start = p.comeback
    again = await api.call(
        "intake",
        "POST",
        "/referrals",
        json={
            **identity,
            "commune_code": acceptance.AGENCIES[p.agency_on(p.closure[0])],
            "orientation_date": oriented.isoformat(),
            "enrolment_date": start.isoformat(),
        },
    )
    assert again["status"] == "return" and again["beneficiary_id"] == b, again
    await _until(
        api,
        "accompaniment",
        "/accompaniments",
        lambda r: len(r.json()) == 2 or None,
        "the return's accompaniment",
        beneficiary_id=b,
    )


async def _placement(api: Api, s: acceptance.Scenario, p: acceptance.Person, played: Played, acc: str, b: str) -> None:
    await api.call(
        "accompaniment",
        "PUT",
        f"{acc}/candidate-profile",
        json={"aptitudes": ["handling"], "available_slots": ["morning"], "max_weekly_hours": 35, "max_commute_km": 10},
    )
    await _until(api, "placement", f"/candidates/{b}", lambda r: True, "the candidate profile to reach placement")
    pl = p.placement
    if pl is not None:
        hire = pl.hire
        need = await api.call(
            "placement",
            "POST",
            "/needs",
            json={
                "employer_id": played.employers[pl.agency],
                "agency_id": pl.agency,
                "title": "préparation de commandes",
                "tasks": ["préparer les commandes"],
                "weekly_hours": 35,
                "time_slots": ["morning"],
                "contract_type": hire.contract if hire else "cdi",
                "duration_months": hire.months if hire else None,
                "positions": pl.positions,
                "published_on": pl.published.isoformat(),
            },
        )
        intro = await api.call(
            "placement",
            "POST",
            "/introductions",
            json={"need_id": need["need_id"], "beneficiary_id": b, "introduced_on": pl.introduced.isoformat()},
        )
        if hire is None:
            outcome = {"outcome": "not_hired", "decided_on": pl.decided.isoformat(), "reason": "employer_declined"}
        else:
            outcome = {
                "outcome": "hired",
                "decided_on": pl.decided.isoformat(),
                "contract_type": hire.contract,
                "duration_months": hire.months,
                "weekly_hours": 35,
                "start_date": hire.start.isoformat(),
            }
        result = await api.call("placement", "POST", f"/introductions/{intro['introduction_id']}/outcome", json=outcome)
        if hire is not None:
            hire_id = result["hire_id"]
            if hire.six_month_check:
                checked, employed = hire.six_month_check
                await api.call(
                    "placement",
                    "POST",
                    f"/hires/{hire_id}/check-ins",
                    json={"month": 6, "checked_on": checked.isoformat(), "still_employed": employed},
                )
            if hire.ended_early:
                await api.call(
                    "placement",
                    "POST",
                    f"/hires/{hire_id}/early-end",
                    json={"ended_on": hire.ended_early.isoformat(), "reason": "resignation"},
                )
        if pl.need_closed_today:
            await api.call("placement", "POST", f"/needs/{need['need_id']}/closure", json={"reason": "expired"})
    if p.immersion:
        start, end, outcome = p.immersion
        immersion = await api.call(
            "placement",
            "POST",
            "/immersions",
            json={
                "beneficiary_id": b,
                "host_kind": "employer",
                "employer_id": played.employers[p.agency_on(start)],
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "days_of_presence": 10,
            },
        )
        if outcome:
            await api.call(
                "placement",
                "POST",
                f"/immersions/{immersion['immersion_id']}/outcome",
                json={"outcome": outcome, "completed_on": end.isoformat()},
            )


async def _workshops(api: Api, s: acceptance.Scenario, played: Played) -> None:
    for session in s.sessions:
        created = await api.call(
            "accompaniment",
            "POST",
            "/workshops",
            json={
                "agency_id": session.agency,
                "theme": session.theme,
                "session_date": session.day.isoformat(),
                "capacity": 12,
            },
        )
        path = f"/workshops/{created['session_id']}"
        for index in session.registered:
            await api.call(
                "accompaniment",
                "POST",
                f"{path}/registrations",
                json={"accompaniment_id": played.accompaniments[index]},
            )
        if session.registered:
            sheet = [
                {"accompaniment_id": played.accompaniments[i], "attended": i in session.present}
                for i in session.registered
            ]
            await api.call("accompaniment", "POST", f"{path}/attendance", json={"participants": sheet})


@pytest.fixture(scope="module")
async def played(platform):
    s = acceptance.scenario(TODAY)
    ids = Played()
    async with Api(platform.urls, platform.token("admin"), concurrency=16) as api:
        await _employers(api, s, ids)
        limit = asyncio.Semaphore(12)

        async def one(p):
            async with limit:
                await _person(api, s, p, ids)

        await asyncio.gather(*(one(p) for p in s.people))
        await _workshops(api, s, ids)
    return s


def _params(q: acceptance.Query, scope: str | None) -> dict:
    params = {"start": q.start.isoformat(), "end": q.end.isoformat(), "as_of": q.as_of.isoformat()}
    return params | ({"agency_id": scope} if scope else {})


def _differences(expected: dict, got: dict) -> list[tuple[str, object, object]]:
    return [(k, v, got.get(k)) for k, v in expected.items() if got.get(k) != v]


async def test_the_scenario_exercises_every_figure(played):
    s = played
    everything = [acceptance.tally(s, q, None) for q in QUERIES]
    for name in (
        "caseload", "suspended", "overdue", "entries", "returns", "renewals", "suspensions", "transfers_in", "exits",
        "contracts_signed_in_time", "barriers.identified", "barriers.lifted", "barriers.open", "workshops.attendance",
        "needs_open", "hires", "hires_ended_early", "six_month_check_ins",
    ):  # fmt: skip
        assert any(t[name] for t in everything), f"the scenario never exercises {name}"
    assert any(len(p.appointments) == 2 and p.appointments[0] > p.appointments[1] for p in s.people)
    assert any(sum(1 for b in p.barriers if b[0] == category) > 1 for p in s.people for category, _, _ in p.barriers), (
        "a barrier met twice"
    )
    assert any(p.placement and p.placement.hire and p.placement.positions == 1 for p in s.people)


async def test_indicators_and_csv_equal_the_independent_tally_for_every_agency_period_and_as_of_date(platform, played):
    s = played
    scopes = [None, *acceptance.AGENCIES]
    async with platform.client("reporting", "department_staff") as reporting:

        async def settled():
            figures = (await reporting.get("/indicators", params=_params(QUERIES[-1], None))).json()
            expected = acceptance.tally(s, QUERIES[-1], None)
            got = acceptance.reported(figures) if "accompaniments" in figures else {}
            return not _differences(expected, got)

        try:
            await wait_until(settled, 180, interval=1, message="reporting to take in the whole scenario")
        except AssertionError:
            pass  # the comparison below says what differs
        differences, compared = [], 0
        for q in QUERIES:
            for scope in scopes:
                expected = acceptance.tally(s, q, scope)
                response = await reporting.get("/indicators", params=_params(q, scope))
                assert response.status_code == 200, response.text
                csv_response = await reporting.get("/indicators.csv", params=_params(q, scope))
                assert csv_response.status_code == 200, csv_response.text
                rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
                for source, got in (
                    ("json", acceptance.reported(response.json())),
                    ("csv", acceptance.reported_csv(rows)),
                ):
                    compared += len(expected)
                    differences += [(source, q, scope or "department", *d) for d in _differences(expected, got)]
    assert not differences, "\n".join(map(str, differences[:40])) + f"\n{len(differences)} of {compared} differ"
    assert compared > 2000
