"""The paths real people take, walked over the public HTTP APIs, with the figures they produce.

Each test works in agencies of its own, reads `/indicators` for them, and ends with a rebuild from the topics
(`python -m services.reporting rebuild --compare`) that must give figures identical to the live ones.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import uuid
from datetime import date, timedelta

import asyncpg
import pytest

from shared.envelope import Envelope
from tests.builders import a_name, employer_body, enrolment, envelope_of, newcomer
from tests.support import REPO, publish, read_topic, wait_until

pytestmark = pytest.mark.e2e

TODAY = date.today()
COMMUNES = {
    "ali-la-courneuve": "93027",
    "ali-drancy": "93029",
    "ali-montreuil": "93048",
    "ali-saint-ouen": "93070",
    "ali-stains": "93072",
}


def _day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def _siret() -> str:
    """A random SIRET with a valid Luhn key."""
    digits = [random.randint(0, 9) for _ in range(13)]
    for check in range(10):
        candidate = "".join(map(str, digits)) + str(check)
        total = sum(
            (n * 2 - 9 if n > 4 else n * 2) if i % 2 else n for i, n in enumerate(int(c) for c in reversed(candidate))
        )
        if total % 10 == 0:
            return candidate
    raise AssertionError("no Luhn key")


async def _refer(platform, agency: str, *, oriented_days_ago: int = 60) -> tuple[str, str]:
    """A person referred to `agency` and enrolled: (beneficiary id, accompaniment id)."""
    body = newcomer(COMMUNES[agency], oriented_days_ago, enrolment_date=_day(oriented_days_ago - 5))
    opened = await platform.enrol(body)
    return opened["beneficiary_id"], opened["accompaniment_id"]


async def _candidate(platform, agency: str, beneficiary: str, accompaniment: str) -> None:
    """Share the person's profile with placement and wait until placement knows them in `agency`."""
    profile = {"aptitudes": ["handling"], "available_slots": ["morning"], "max_weekly_hours": 35, "max_commute_km": 10}
    async with platform.client("accompaniment", "caseworker", agency) as acc:
        shared = await acc.put(f"/accompaniments/{accompaniment}/candidate-profile", json=profile)
        assert shared.status_code == 200, shared.text
    await _candidate_in(platform, agency, beneficiary)


async def _candidate_in(platform, agency: str, beneficiary: str) -> None:
    async with platform.client("placement", "caseworker", agency) as placement:

        async def known():
            response = await placement.get(f"/candidates/{beneficiary}")
            return response.status_code == 200 and response.json()["agency_id"] == agency

        await wait_until(known, 60, message=f"placement to know the candidate in {agency}")


async def _employer(platform, agency: str) -> str:
    async with platform.client("placement", "caseworker", agency) as placement:
        body = employer_body(siret=_siret(), name=f"Employeur {a_name()}", commune_code=COMMUNES[agency])
        employer = await placement.post("/employers", json=body)
        assert employer.status_code == 201, employer.text
        return employer.json()["employer_id"]


async def _hire(platform, agency: str, beneficiary: str, *, days_ago: int, contract: str = "cdi") -> str:
    """An employer's need, an introduction at the workstation and a hire starting `days_ago`; the hire id."""
    employer = await _employer(platform, agency)
    async with platform.client("placement", "caseworker", agency) as placement:
        need = await placement.post(
            "/needs",
            json={
                "employer_id": employer,
                "title": "préparateur de commandes",
                "tasks": ["préparer les commandes"],
                "weekly_hours": 35,
                "time_slots": ["morning"],
                "contract_type": contract,
                "published_on": _day(days_ago + 5),
            },
        )
        assert need.status_code == 201, need.text
        introduced = await placement.post(
            "/introductions",
            json={"need_id": need.json()["need_id"], "beneficiary_id": beneficiary, "introduced_on": _day(days_ago)},
        )
        assert introduced.status_code == 201, introduced.text
        hired = await placement.post(
            f"/introductions/{introduced.json()['introduction_id']}/outcome",
            json={
                "outcome": "hired",
                "decided_on": _day(days_ago),
                "contract_type": contract,
                "weekly_hours": 35,
                "start_date": _day(days_ago),
            },
        )
        assert hired.status_code == 200, hired.text
        return hired.json()["hire_id"]


async def _figures(platform, agency: str, predicate, message: str) -> dict:
    """The agency's figures once `predicate` holds on them."""
    async with platform.client("reporting", "department_staff") as reporting:

        async def read():
            figures = (await reporting.get("/indicators", params={"agency_id": agency})).json()
            return figures if predicate(figures) else None

        return await wait_until(read, 90, message=message)


async def _rebuild_gives_the_live_figures(platform, attempts: int = 6) -> None:
    """Replay every topic into fresh projections: the figures equal the live ones.

    The live projection may still be folding the last events when a rebuild reads the topics, and on a loaded
    machine a rebuild has been seen to stall: both are tried again; the same difference every time fails.
    """
    command = platform.rebuild_and_compare()
    outcome = "no attempt"
    for _ in range(attempts):
        try:
            run = await asyncio.to_thread(
                subprocess.run, command, capture_output=True, text=True, cwd=REPO, env=platform.env, timeout=240
            )
        except subprocess.TimeoutExpired as stalled:
            outcome = f"stalled for {stalled.timeout} s: {(stalled.stderr or b'')[-2000:]!r}"
            continue
        if run.returncode == 0 and "identical" in run.stderr:
            return
        outcome = run.stderr[-3000:]
        await asyncio.sleep(10)
    raise AssertionError(f"the rebuild from the topics never gave the live figures; last attempt:\n{outcome}")


async def test_a_hire_that_ends_early_no_longer_counts_as_a_durable_exit(platform):
    agency = "ali-drancy"
    beneficiary, accompaniment = await _refer(platform, agency)
    await _candidate(platform, agency, beneficiary, accompaniment)
    hire = await _hire(platform, agency, beneficiary, days_ago=20, contract="cdi")
    url = f"/accompaniments/{accompaniment}"
    async with platform.client("accompaniment", "caseworker", agency) as acc:

        async def proposed():
            return (await acc.get(url)).json()["proposed_exit"]

        proposal = await wait_until(proposed, 60, message="the hire to propose an exit")
        assert (proposal["exit_category"], proposal["exit_group"]) == ("cdi", "emploi_durable")

        async with platform.client("placement", "caseworker", agency) as placement:
            ended = await placement.post(
                f"/hires/{hire}/early-end", json={"ended_on": _day(3), "reason": "trial_period_ended_by_employer"}
            )
            assert ended.status_code == 200, ended.text

        async def withdrawn():
            detail = (await acc.get(url)).json()
            return detail if detail["proposed_exit"] is None and detail["withdrawn_exits"] else None

        detail = await wait_until(withdrawn, 60, message="the early end to withdraw the proposed exit")
        assert [(w["hire_id"], w["exit_category"], w["hire_ended_on"]) for w in detail["withdrawn_exits"]] == [
            (hire, "cdi", _day(3))
        ]
        refused = await acc.post(f"{url}/closure", json={})
        assert refused.status_code == 422, refused.text
        assert "choose an exit category" in refused.text and f"ended early on {_day(3)}" in refused.text
        assert (await acc.get(url)).json()["status"] == "open"
        closed = await acc.post(f"{url}/closure", json={"exit_category": "unemployment", "closed_on": _day(1)})
        assert closed.status_code == 200, closed.text
        assert (closed.json()["exit_category"], closed.json()["exit_group"]) == ("unemployment", "autre_sortie")

    figures = await _figures(
        platform, agency, lambda f: f["accompaniments"]["exits"] == 1, "reporting to count the exit"
    )
    a, p = figures["accompaniments"], figures["placement"]
    assert a["exits_by_group"]["emploi_durable"] == 0 and a["exits_by_group"]["autre_sortie"] == 1
    assert a["positive_exit_rate"] == 0
    assert (p["hires"], p["hires_ended_early"]) == (1, 1)
    await _rebuild_gives_the_live_figures(platform)


async def test_a_barrier_met_twice_counts_twice(platform):
    agency = "ali-montreuil"
    _, accompaniment = await _refer(platform, agency, oriented_days_ago=120)
    url = f"/accompaniments/{accompaniment}"
    first = str(uuid.uuid4())
    async with platform.client("accompaniment", "caseworker", agency) as acc:
        steps = [
            ("/barriers", {"barrier_id": first, "category": "mobility", "identified_on": _day(100)}),
            (f"/barriers/{first}/status", {"status": "lifted", "on": _day(70)}),
            ("/barriers", {"category": "mobility", "identified_on": _day(40)}),
        ]
        for path, body in steps:
            response = await acc.post(f"{url}{path}", json=body)
            assert response.status_code in (200, 201), (path, response.text)
        barriers = response.json()["barriers"]
        assert [(b["category"], b["status"]) for b in barriers] == [("mobility", "lifted"), ("mobility", "identified")]
        second = barriers[1]["barrier_id"]
        assert second != first
        again = await acc.post(f"{url}/barriers/{first}/status", json={"status": "lifted"})
        assert again.status_code == 409 and "identifiez un nouveau frein" in again.text
        by_category = await acc.post(f"{url}/barriers/mobility/status", json={"status": "worked_on", "on": _day(30)})
        assert by_category.status_code == 200, by_category.text
        lifted = await acc.post(f"{url}/barriers/{second}/status", json={"status": "lifted", "on": _day(10)})
        assert lifted.status_code == 200, lifted.text
        assert [b["ended_on"] for b in lifted.json()["barriers"]] == [_day(70), _day(10)]
        housing = await acc.post(f"{url}/barriers", json={"category": "housing", "identified_on": _day(20)})
        assert housing.status_code == 201, housing.text

    figures = await _figures(
        platform, agency, lambda f: f["barriers"]["identified"] == 3, "reporting to count the barriers"
    )
    assert figures["barriers"]["by_category"] == {
        "housing": {"identified": 1, "lifted": 0, "open": 1},
        "mobility": {"identified": 2, "lifted": 2, "open": 0},
    }
    conn = await asyncpg.connect(platform.database_url)
    try:

        async def in_bi():
            rows = await conn.fetch(
                f"SELECT barrier_id, category FROM {platform.schema('bi')}.barriers WHERE accompaniment_id = $1",
                uuid.UUID(accompaniment),
            )
            return rows if len(rows) == 3 else None

        rows = await wait_until(in_bi, 60, message="bi.barriers to hold one row per barrier")
        assert {r["barrier_id"] for r in rows} >= {first, second}
    finally:
        await conn.close()
    await _rebuild_gives_the_live_figures(platform)


async def test_a_transfer_moves_placement_records_access_and_later_figures(platform):
    old, new = "ali-la-courneuve", "ali-stains"
    beneficiary, accompaniment = await _refer(platform, old, oriented_days_ago=90)
    await _candidate(platform, old, beneficiary, accompaniment)
    hire = await _hire(platform, old, beneficiary, days_ago=40, contract="cdi")
    async with platform.client("accompaniment", "caseworker", old) as acc:
        session = await acc.post(
            "/workshops",
            json={"agency_id": old, "theme": "self_confidence", "session_date": _day(1), "capacity": 8},
        )
        assert session.status_code == 201, session.text
        session_id = session.json()["session_id"]
        seated = await acc.post(f"/workshops/{session_id}/registrations", json={"accompaniment_id": accompaniment})
        assert seated.status_code == 201, seated.text

    async with platform.client("intake") as intake:
        moved = await intake.post(f"/beneficiaries/{beneficiary}/transfer", json={"commune_code": COMMUNES[new]})
        assert moved.status_code == 200, moved.text

    async with (
        platform.client("placement", "caseworker", old) as before,
        platform.client("placement", "caseworker", new) as after,
    ):

        async def moved_over():
            return (await before.get(f"/hires/{hire}")).status_code == 403 and (
                await after.get(f"/hires/{hire}")
            ).status_code == 200

        await wait_until(moved_over, 60, message="the hire to follow the person to the new agency")
        assert hire in {h["hire_id"] for h in (await after.get("/hires")).json()}
        assert hire not in {h["hire_id"] for h in (await before.get("/hires")).json()}
        assert beneficiary in {i["beneficiary_id"] for i in (await after.get("/introductions")).json()}
        refused = await before.post(
            f"/hires/{hire}/check-ins", json={"month": 1, "checked_on": _day(0), "still_employed": True}
        )
        assert refused.status_code == 403
        checked = await after.post(
            f"/hires/{hire}/check-ins", json={"month": 1, "checked_on": _day(0), "still_employed": True}
        )
        assert checked.status_code == 201, checked.text

    await _candidate_in(platform, new, beneficiary)
    await _hire(platform, new, beneficiary, days_ago=0, contract="cdi")

    async with platform.client("accompaniment", "caseworker", old) as acc:
        sheet = {"participants": [{"accompaniment_id": accompaniment, "attended": True}]}
        refused = await acc.post(f"/workshops/{session_id}/attendance", json=sheet)
        assert refused.status_code == 409 and "ouverte au département" in refused.text, refused.text
        opened = await acc.post(f"/workshops/{session_id}/open-to-department")
        assert opened.status_code == 200 and opened.json()["open_to_department"] is True, opened.text
        held = await acc.post(f"/workshops/{session_id}/attendance", json=sheet)
        assert held.status_code == 200 and held.json()["attended"] == 1, held.text
    async with platform.client("accompaniment", "caseworker", new) as acc:
        offered = (await acc.get("/workshops", params={"open_to_department": "true"})).json()
        assert session_id in {s["session_id"] for s in offered}

    new_figures = await _figures(
        platform, new, lambda f: f["placement"]["hires"] == 1, "the hire after the transfer counted at the new agency"
    )
    assert new_figures["placement"]["introductions"] == 1
    old_figures = await _figures(platform, old, lambda f: f["placement"]["hires"] == 1, "the earlier hire kept")
    assert old_figures["placement"]["introductions"] == 1
    records = await read_topic(platform.kafka, platform.topic("placement.events"), idle=3)
    mine = [Envelope.from_kafka(r.value, r.headers) for r in records if r.key == beneficiary.encode()]
    by_type = {e.type.rsplit(".", 1)[1]: e.data["agency_id"] for e in mine}
    assert by_type["IntroductionTransferred"] == by_type["HireCheckInRecorded"] == new
    await _rebuild_gives_the_live_figures(platform)


async def test_presence_in_immersions_with_one_host_is_capped_over_twelve_months(platform):
    agency = "ali-saint-ouen"
    beneficiary, accompaniment = await _refer(platform, agency, oriented_days_ago=200)
    await _candidate(platform, agency, beneficiary, accompaniment)
    host = await _employer(platform, agency)
    async with platform.client("placement", "caseworker", agency) as placement:

        async def agree(start: int, end: int, days: int):
            return await placement.post(
                "/immersions",
                json={
                    "beneficiary_id": beneficiary,
                    "host_kind": "employer",
                    "employer_id": host,
                    "start_date": _day(start),
                    "end_date": _day(end),
                    "days_of_presence": days,
                },
            )

        first = await agree(150, 110, 30)
        assert first.status_code == 201, first.text
        immersion = first.json()["immersion_id"]
        renewal = {"start_date": _day(100), "end_date": _day(70), "days_of_presence": 20}
        renewed = await placement.post(f"/immersions/{immersion}/renewal", json=renewal)
        assert renewed.status_code == 200, renewed.text
        twice = await placement.post(
            f"/immersions/{immersion}/renewal", json={"start_date": _day(60), "end_date": _day(50)}
        )
        assert twice.status_code == 409 and twice.json()["code"] == "immersion_already_renewed", twice.text
        over = await agree(40, 20, 15)
        assert over.status_code == 409, over.text
        detail = over.json()["detail"]
        assert "already has 50 days of presence with this host" in detail and "limit of 60 days" in detail
        assert "agree" not in detail.lower() and "new immersion" not in detail.lower()
        within = await agree(40, 20, 10)
        assert within.status_code == 201, within.text

    figures = await _figures(platform, agency, lambda f: f["placement"]["immersions"] == 2, "the immersions counted")
    assert figures["placement"]["immersions_by_outcome"] == {"in_progress": 2}
    await _rebuild_gives_the_live_figures(platform)


async def test_an_enrolment_while_an_accompaniment_is_open_opens_no_second_one(platform):
    agency = "ali-montreuil"
    beneficiary, accompaniment = await _refer(platform, agency, oriented_days_ago=30)
    again = enrolment(
        beneficiary_id=beneficiary,
        agency_id=agency,
        commune_code=COMMUNES[agency],
        orientation_date=TODAY,
        enrolled_on=TODAY,
    )
    published = envelope_of(again, f"beneficiary-{beneficiary}", 9, key=beneficiary)
    await publish(platform.settings("intake"), platform.topic("intake.events"), [published])

    async def dead_lettered():
        records = await read_topic(platform.kafka, platform.topic("accompaniment.dlq"), idle=2, timeout=20)
        return [r for r in records if dict(r.headers).get("ce_id") == str(published.id).encode()]

    [dead] = await wait_until(dead_lettered, 90, interval=2, message="the enrolment to be refused")
    headers = dict(dead.headers)
    assert headers["dlq_error_type"] == b"AlreadyFollowed"
    assert f"their accompaniment {accompaniment} is not closed".encode() in headers["dlq_error"]
    async with platform.client("accompaniment", "caseworker", agency) as acc:
        found = (await acc.get("/accompaniments", params={"beneficiary_id": beneficiary})).json()
    assert [a["accompaniment_id"] for a in found] == [accompaniment]


async def test_a_return_opens_a_new_accompaniment_linked_to_the_earlier_one_and_counts_as_an_entry(platform):
    agency = "ali-bobigny"
    person = {
        "first_name": a_name(),
        "last_name": a_name(),
        "birth_date": "1983-05-17",
        "commune_code": "93008",
    }
    async with platform.client("intake") as intake, platform.client("accompaniment", "caseworker", agency) as acc:
        first = await intake.post(
            "/referrals", json={**person, "orientation_date": _day(120), "enrolment_date": _day(118)}
        )
        assert first.status_code == 201, first.text
        beneficiary = first.json()["beneficiary_id"]

        async def accompaniments(count: int):
            found = (await acc.get("/accompaniments", params={"beneficiary_id": beneficiary})).json()
            return found if len(found) == count else None

        [earlier] = await wait_until(lambda: accompaniments(1), 60, message="the first accompaniment")
        closure = {"exit_category": "moved_away", "closed_on": _day(40)}
        closed = await acc.post(f"/accompaniments/{earlier['accompaniment_id']}/closure", json=closure)
        assert closed.status_code == 200, closed.text

        async def learnt():
            body = (await intake.get(f"/beneficiaries/{beneficiary}")).json()
            return body["follow_up"]["status"] == "closed"

        await wait_until(learnt, 60, message="intake to learn the closure")
        back = await intake.post("/referrals", json={**person, "orientation_date": _day(6), "enrolment_date": _day(4)})
        assert back.status_code == 201 and back.json()["status"] == "return", back.text
        both = await wait_until(lambda: accompaniments(2), 60, message="the return to open a new accompaniment")
        [again] = [a for a in both if a["accompaniment_id"] != earlier["accompaniment_id"]]
        assert (again["status"], again["is_return"], again["previous_accompaniment_id"]) == (
            "open",
            True,
            earlier["accompaniment_id"],
        )
        detail = (await acc.get(f"/accompaniments/{again['accompaniment_id']}")).json()
        assert (detail["start_date"], detail["is_return"]) == (_day(4), True)

    figures = await _figures(
        platform, agency, lambda f: f["accompaniments"]["entries"] == 2, "the return counted as an entry"
    )
    a = figures["accompaniments"]
    assert (a["caseload"], a["exits"]) == (1, 1)
    await _rebuild_gives_the_live_figures(platform)


async def test_a_closed_rsa_right_in_the_caf_flow_proposes_the_end_of_rights_exit_to_the_caseworker(platform):
    agency = "ali-saint-denis-pierrefitte"
    flow = (REPO / "services/intake/examples/caf-msa-flux-sample.xml").read_bytes()
    # Pascal Bernard, whose right the sample flow reports closed on 2025-01-31, is followed by the agency.
    pascal = {
        "first_name": "Pascal",
        "last_name": "Bernard",
        "birth_date": "1975-06-11",
        "commune_code": "93066",
        "nir": "175069306612302",
        "orientation_date": _day(90),
        "enrolment_date": _day(85),
    }
    url = f"/accompaniments/{(await platform.enrol(pascal))['accompaniment_id']}"
    async with platform.client("accompaniment", "caseworker", agency) as acc:
        async with platform.client("intake", role="admin") as admin:
            imported = await admin.post(
                "/referrals/import",
                content=flow,
                params={"profile": "caf-msa"},
                headers={"content-type": "application/xml"},
            )
        assert imported.status_code == 200 and imported.json()["rights_ended"] == 1, imported.text

        async def proposed():
            return (await acc.get(url)).json()["proposed_exit"]

        proposal = await wait_until(proposed, 60, message="the end of the right to propose an exit")
        assert (proposal["exit_category"], proposal["hire_id"], proposal["rights_ended_on"]) == (
            "end_of_rsa_rights",
            None,
            "2025-01-31",
        )
        closed = await acc.post(f"{url}/closure", json={})
        assert closed.status_code == 200, closed.text
        assert (closed.json()["exit_category"], closed.json()["exit_group"]) == ("end_of_rsa_rights", "autre_sortie")
