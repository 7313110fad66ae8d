"""The accompaniment service over HTTP on the real stack: enrolment, the follow-up journey, access, worklists."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest

from services.accompaniment.domain.rules import add_months
from shared.envelope import Envelope
from tests.builders import newcomer
from tests.support import read_topic, wait_until

pytestmark = pytest.mark.integration

AGENCY = "ali-la-courneuve"


async def _enrol(platform, commune: str = "93027", oriented_days_ago: int = 40) -> dict:
    """Refer a new person through intake and wait for accompaniment to open their follow-up."""
    return await platform.enrol(newcomer(commune, oriented_days_ago, household_type="single_parent", children=1))


def _caseworker(platform, agency: str = AGENCY) -> httpx.AsyncClient:
    return platform.client("accompaniment", role="caseworker", agency_id=agency)


async def _schedule_today(api: httpx.AsyncClient, theme: str, *, capacity: int) -> httpx.Response:
    """A workshop session of the agency today."""
    today = date.today().isoformat()
    body = {"agency_id": AGENCY, "theme": theme, "session_date": today, "capacity": capacity}
    return await api.post("/workshops", json=body)


async def test_the_follow_up_journey_from_enrolment_to_closure(platform):
    person = await _enrol(platform, oriented_days_ago=40)
    other = await _enrol(platform)
    assert (person["agency_id"], person["status"], person["commune_code"]) == (AGENCY, "open", "93027")
    assert person["planned_end_date"] == add_months(date.fromisoformat(person["start_date"]), 12).isoformat()
    url = f"/accompaniments/{person['accompaniment_id']}"
    async with _caseworker(platform) as api:
        amina = str(uuid.uuid4())
        referent = await api.post(f"{url}/referent", json={"referent_id": amina})
        assert referent.status_code == 200 and referent.json()["referent_id"] == amina
        named = await api.post(f"{url}/referent", json={"referent_id": "Amina Diallo"})
        assert named.status_code == 422 and named.json()["errors"][0]["loc"] == ["body", "referent_id"]

        contract = (await api.post(f"{url}/engagement-contract", json={})).json()["contract"]
        orientation = date.today() - timedelta(days=40)
        assert contract == {
            "signed_on": date.today().isoformat(),
            "deadline": (orientation + timedelta(days=30)).isoformat(),
            "late": True,
        }

        appointment_id = str(uuid.uuid4())
        scheduled = await api.post(
            f"{url}/appointments", json={"appointment_id": appointment_id, "appointment_date": date.today().isoformat()}
        )
        assert scheduled.status_code == 201, scheduled.text
        held = (await api.post(f"{url}/appointments/{appointment_id}/held")).json()
        assert held["first_appointment_delay_days"] == 40 and held["last_contact_on"] == date.today().isoformat()
        assert held["appointments"][0]["status"] == "held"

        assert (await api.post(f"{url}/barriers", json={"category": "mobility"})).status_code == 201
        assert (await api.post(f"{url}/barriers/mobility/status", json={"status": "worked_on"})).status_code == 200
        lifted = await api.post(f"{url}/barriers/mobility/status", json={"status": "lifted"})
        assert [(b["category"], b["status"]) for b in lifted.json()["barriers"]] == [("mobility", "lifted")]
        again = await api.post(f"{url}/barriers/mobility/status", json={"status": "lifted"})
        assert again.status_code == 409 and "identifiez-le d'abord" in again.json()["detail"]

        objective_id = str(uuid.uuid4())
        objective = await api.post(
            f"{url}/objectives", json={"objective_id": objective_id, "label": "job in logistics"}
        )
        assert objective.json()["objectives"][0]["label"] == "job in logistics"
        action_id = str(uuid.uuid4())
        planned = await api.post(
            f"{url}/actions", json={"action_id": action_id, "objective_id": objective_id, "label": "CACES 1"}
        )
        assert planned.status_code == 201, planned.text
        done = await api.post(f"{url}/actions/{action_id}/status", json={"status": "done"})
        assert done.json()["objectives"][0]["actions"][0]["status"] == "done"
        referral = await api.post(f"{url}/scheme-referrals", json={"scheme": "iae", "partner": "Régie de quartier"})
        assert referral.status_code == 201 and referral.json()["referrals"][0]["scheme"] == "iae"
        need = await api.post(f"{url}/training-needs", json={"subject": "forklift licence"})
        assert need.json()["training_needs"][0]["subject"] == "forklift licence"

        profile = await api.put(
            f"{url}/candidate-profile",
            json={
                "aptitudes": ["handling"],
                "available_slots": ["morning"],
                "max_weekly_hours": 30,
                "max_commute_km": 8,
            },
        )
        assert profile.status_code == 200 and profile.json()["candidate_profile"]["commune_code"] == "93027"

        session = await _schedule_today(api, "self_confidence", capacity=1)
        assert session.status_code == 201, session.text
        session_id = session.json()["session_id"]
        seat = await api.post(
            f"/workshops/{session_id}/registrations", json={"accompaniment_id": person["accompaniment_id"]}
        )
        assert seat.status_code == 201 and seat.json()["registered"] == 1
        full = await api.post(
            f"/workshops/{session_id}/registrations", json={"accompaniment_id": other["accompaniment_id"]}
        )
        assert full.status_code == 409 and "complète" in full.json()["detail"]
        sheet = {"participants": [{"accompaniment_id": person["accompaniment_id"], "attended": True}]}
        attended = await api.post(f"/workshops/{session_id}/attendance", json=sheet)
        assert attended.status_code == 200 and attended.json()["attended"] == 1
        listed = (await api.get("/workshops")).json()
        assert any(s["session_id"] == session_id and s["registered"] == 1 for s in listed)

        suspended = await api.post(f"{url}/suspension", json={"reason": "sick_leave"})
        assert suspended.json()["status"] == "suspended"
        blocked = await api.post(f"{url}/appointments", json={"appointment_date": date.today().isoformat()})
        assert blocked.status_code == 409 and "suspendu" in blocked.json()["detail"]
        twice = await api.post(f"{url}/suspension", json={"reason": "sick_leave"})
        assert twice.status_code == 409
        assert (await api.post(f"{url}/resumption", json={})).json()["status"] == "open"

        early = await api.post(f"{url}/renewal", json={"reason": "training_in_progress"})
        assert early.status_code == 409 and "peut être renouvelé à partir du" in early.json()["detail"]
        no_reason = await api.post(f"{url}/renewal", json={})
        assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]

        closed = await api.post(f"{url}/closure", json={"exit_category": "qualifying_training"})
        assert closed.status_code == 200, closed.text
        assert (closed.json()["status"], closed.json()["exit_group"]) == ("closed", "sortie_positive")
        for path, body in [("/closure", {"exit_category": "cdi"}), ("/barriers", {"category": "housing"})]:
            refused = await api.post(f"{url}{path}", json=body)
            assert refused.status_code == 409 and "déjà clos" in refused.json()["detail"]

        detail = (await api.get(url)).json()
        assert (
            detail["workshops"][0]["attended"] is True
            and detail["suspensions"][0]["resumed_on"] == date.today().isoformat()
        )
        history = (await api.get(f"{url}/history")).json()
    types = [h["type"] for h in history]
    assert types[0] == "AccompanimentOpened" and types[-1] == "AccompanimentClosed"
    assert {"EngagementContractSigned", "AppointmentHeld", "BarrierLifted", "RegisteredForWorkshop"} <= set(types)
    assert [h["version"] for h in history] == list(range(1, len(history) + 1))

    # Published on the topic, in the person's partition, without identifying data (once the relay published the
    # whole history and the session's three events).
    records: list = []

    async def published() -> bool:
        records[:] = await read_topic(platform.kafka, platform.topic("accompaniment.events"), idle=2)
        keys = [r.key for r in records]
        return keys.count(person["beneficiary_id"].encode()) >= len(history) and keys.count(session_id.encode()) >= 3

    await wait_until(published, timeout=120, interval=1, message="the accompaniment's events on its topic")
    mine = [Envelope.from_kafka(r.value, r.headers) for r in records if r.key == person["beneficiary_id"].encode()]
    signed = next(e for e in mine if e.type.endswith("EngagementContractSigned"))
    assert signed.data["late"] is True and signed.data["days_after_orientation"] == 40
    first = next(e for e in mine if e.type.endswith("AppointmentHeld"))
    assert first.data["first"] is True and first.data["days_since_orientation"] == 40
    registrations = [Envelope.from_kafka(r.value, r.headers) for r in records if r.key == session_id.encode()]
    assert [e.type.rsplit(".", 1)[1] for e in registrations] == [
        "WorkshopSessionScheduled",
        "ParticipantRegistered",
        "AttendanceRecorded",
    ]


async def test_a_seat_taken_or_marked_writes_its_own_registration_row_and_leaves_the_others_untouched(platform, pool):
    people = [await _enrol(platform) for _ in range(3)]
    rows = f"{platform.schema('accompaniment')}.workshop_registrations"

    async def written(session_id: str) -> dict[str, tuple[int, bool | None]]:
        """Each seat's row: the transaction that last wrote it (xmin), and attended."""
        found = await pool.fetch(
            f"SELECT accompaniment_id, xmin::text::bigint AS xmin, attended FROM {rows} WHERE session_id = $1",
            uuid.UUID(session_id),
        )
        return {str(r["accompaniment_id"]): (r["xmin"], r["attended"]) for r in found}

    async with _caseworker(platform) as api:
        session = await _schedule_today(api, "cover_letters", capacity=3)
        session_id = session.json()["session_id"]
        first, second, third = (p["accompaniment_id"] for p in people)
        for person in (first, second):
            seat = await api.post(f"/workshops/{session_id}/registrations", json={"accompaniment_id": person})
            assert seat.status_code == 201, seat.text
        before = await written(session_id)
        seat = await api.post(f"/workshops/{session_id}/registrations", json={"accompaniment_id": third})
        assert seat.status_code == 201, seat.text
        after = await written(session_id)
        assert set(after) == {first, second, third} and all(attended is None for _, attended in after.values())
        assert after[first] == before[first] and after[second] == before[second], "rows of other seats rewritten"

        sheet = {"participants": [{"accompaniment_id": second, "attended": True}]}
        assert (await api.post(f"/workshops/{session_id}/attendance", json=sheet)).status_code == 200
        marked = await written(session_id)
    assert marked[second][1] is True and marked[second][0] != after[second][0]
    assert marked[first] == after[first] and marked[third] == after[third]


async def test_seats_taken_together_in_several_sessions_are_each_in_their_sessions_rows(platform, pool):
    """Registrations sent in one batch run together: their sessions' and seats' rows are written with their group's
    commit, several sessions at once, each row as it would be alone."""
    people = [await _enrol(platform) for _ in range(3)]
    schema = platform.schema("accompaniment")
    async with _caseworker(platform) as api:
        sessions = [(await _schedule_today(api, "cover_letters", capacity=2)).json()["session_id"] for _ in range(3)]
        requests = [
            {
                "id": str(n),
                "method": "POST",
                "url": f"/workshops/{session_id}/registrations",
                "body": {"accompaniment_id": person["accompaniment_id"]},
            }
            for n, (session_id, person) in enumerate(zip(sessions, people, strict=True))
        ]
        answer = await api.post("/batch", json={"requests": requests})
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["responses"]] == [201, 201, 201], answer.text
    rows = await pool.fetch(
        f"""SELECT s.session_id, s.registered, r.accompaniment_id FROM {schema}.workshop_sessions s
            JOIN {schema}.workshop_registrations r USING (session_id) WHERE s.session_id = ANY($1::uuid[])""",
        [uuid.UUID(s) for s in sessions],
    )
    seated = {str(r["session_id"]): (r["registered"], str(r["accompaniment_id"])) for r in rows}
    assert seated == {s: (1, p["accompaniment_id"]) for s, p in zip(sessions, people, strict=True)}


async def test_caseworkers_of_another_agency_and_department_staff_are_refused(platform):
    person = await _enrol(platform)
    url = f"/accompaniments/{person['accompaniment_id']}"
    async with _caseworker(platform, "ali-stains") as stranger:
        assert (await stranger.get(url)).status_code == 403
        refused = await stranger.post(f"{url}/referent", json={"referent_id": str(uuid.uuid4())})
        assert refused.status_code == 403 and "ali-la-courneuve" in refused.json()["detail"]
        assert (await stranger.get("/accompaniments", params={"agency_id": AGENCY})).status_code == 403
        own = (await stranger.get("/accompaniments")).json()
        assert all(a["agency_id"] == "ali-stains" for a in own)
        assert (await stranger.get("/worklists", params={"agency_id": AGENCY})).status_code == 403
    async with platform.client("accompaniment", role="department_staff") as staff:
        assert (await staff.get(url)).status_code == 403
        assert (await staff.get("/accompaniments")).status_code == 403
        assert (await staff.get("/workshops")).status_code == 200
    async with platform.client("accompaniment", role="agency_manager", agency_id=AGENCY) as manager:
        assert (await manager.get(url)).json()["accompaniment_id"] == person["accompaniment_id"]
    async with httpx.AsyncClient(base_url=platform.urls["accompaniment"]) as anonymous:
        assert (await anonymous.get(url)).status_code == 401


async def test_worklists_list_late_contracts_missing_contact_and_ends(platform):
    person = await _enrol(platform, oriented_days_ago=45)
    url = f"/accompaniments/{person['accompaniment_id']}"
    referent = str(uuid.uuid4())
    async with _caseworker(platform) as api:
        await api.post(f"{url}/referent", json={"referent_id": referent})

        async def worklist(as_of: date) -> list[dict]:
            response = await api.get("/worklists", params={"referent": referent, "as_of": as_of.isoformat()})
            assert response.status_code == 200, response.text
            return response.json()

        [today] = await worklist(date.today())
        assert today["accompaniment_id"] == person["accompaniment_id"]
        assert today["reasons"] == ["contract_not_signed_in_time"]
        await api.post(f"{url}/engagement-contract", json={})
        assert await worklist(date.today()) == []
        [quiet] = await worklist(date.today() + timedelta(days=60))
        assert quiet["reasons"] == ["no_recent_contact"] and quiet["days_without_contact"] == 60
        end = date.fromisoformat(person["planned_end_date"])
        [ending] = await worklist(end - timedelta(days=30))
        assert "ending_soon" in ending["reasons"] and ending["days_to_planned_end"] == 30
        others = (await api.get("/worklists", params={"referent": str(uuid.uuid4()), "as_of": end.isoformat()})).json()
        assert others == []


async def test_worklists_come_a_page_at_a_time_soonest_end_first(platform):
    referent = str(uuid.uuid4())
    people = [await _enrol(platform, oriented_days_ago=45 + n) for n in range(3)]
    async with _caseworker(platform) as api:
        for person in people:
            await api.post(f"/accompaniments/{person['accompaniment_id']}/referent", json={"referent_id": referent})

        async def page(**params) -> list[str]:
            response = await api.get("/worklists", params={"referent": referent, **params})
            assert response.status_code == 200, response.text
            return [e["accompaniment_id"] for e in response.json()]

        whole = await page()
        assert sorted(whole) == sorted(p["accompaniment_id"] for p in people)
        assert await page(limit=2) + await page(limit=2, offset=2) == whole
        # A client that follows the `Link` header gets every page, and no link after the last.
        first = await api.get("/worklists", params={"referent": referent, "limit": 2})
        assert first.links["next"]["url"].endswith("offset=2") and f"referent={referent}" in first.links["next"]["url"]
        last = await api.get(first.links["next"]["url"])
        assert [e["accompaniment_id"] for e in first.json() + last.json()] == whole
        assert (
            "link" not in last.headers
            and "link" not in (await api.get("/worklists", params={"referent": referent})).headers
        )
        assert await page(offset=3) == []
        assert (await api.get("/worklists", params={"limit": 0})).status_code == 422
        export = await api.get("/worklists.csv", params={"referent": referent})
        assert export.status_code == 200 and len(export.text.strip().splitlines()) == 1 + len(people)


async def test_invalid_input_gets_a_readable_error(platform):
    person = await _enrol(platform)
    url = f"/accompaniments/{person['accompaniment_id']}"
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    async with _caseworker(platform) as api:
        future = await api.post(f"{url}/engagement-contract", json={"signed_on": tomorrow})
        assert future.status_code == 422 and "dans le futur" in future.json()["detail"]
        before = await api.post(f"{url}/barriers", json={"category": "health", "identified_on": "2000-01-01"})
        assert before.status_code == 422 and "précède le début" in before.json()["detail"]
        unknown_category = await api.post(f"{url}/barriers", json={"category": "astrology"})
        assert unknown_category.status_code == 422
        no_exit = await api.post(f"{url}/closure", json={})
        assert no_exit.status_code == 422 and "exit category" in no_exit.json()["detail"]
        missing = await api.get(f"/accompaniments/{uuid.uuid4()}")
        assert missing.status_code == 404
        diploma = await api.put(
            f"{url}/candidate-profile", json={"max_weekly_hours": 35, "max_commute_km": 5, "diploma": "CAP"}
        )
        assert diploma.status_code == 422


async def test_a_two_megabyte_candidate_profile_is_refused_before_it_is_stored_and_the_next_one_is_published(platform):
    person = await _enrol(platform)
    url = f"/accompaniments/{person['accompaniment_id']}"
    huge = {
        "aptitudes": ["x" * 70_000 for _ in range(30)],
        "available_slots": ["morning"],
        "max_weekly_hours": 35,
        "max_commute_km": 10,
    }
    async with _caseworker(platform) as api:
        refused = await api.put(f"{url}/candidate-profile", json=huge)
        # Refused as too large (413) or, where aptitudes are codes of a closed list, as invalid (422): never stored.
        assert refused.status_code in (413, 422), refused.text[:500]
        assert len(refused.content) < 10_000 and refused.json()["detail"]
        history = [h["type"] for h in (await api.get(f"{url}/history")).json()]
        assert "CandidateProfileUpdated" not in history
        fine = {"aptitudes": ["handling"], "available_slots": ["morning"], "max_weekly_hours": 35, "max_commute_km": 10}
        assert (await api.put(f"{url}/candidate-profile", json=fine)).status_code == 200

    async def published():
        records = await read_topic(platform.kafka, platform.topic("accompaniment.events"), idle=2)
        return [
            r
            for r in records
            if r.key == person["beneficiary_id"].encode() and dict(r.headers)["ce_type"].endswith(b"ProfileUpdated")
        ]

    [record] = await wait_until(published, timeout=60, message="the accepted profile on the topic")
    assert b"handling" in record.value
