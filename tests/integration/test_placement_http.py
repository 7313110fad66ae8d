"""Placement over HTTP on the real stack: employers, needs, matching fed by accompaniment's topic,
introductions, hires published for accompaniment, follow-up, immersions and access rules."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import pytest

from services.placement.domain.siret import luhn_valid
from shared.contracts.accompaniment import AccompanimentClosed, CandidateProfileUpdated
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.envelope import Envelope
from shared.staff import staff_id
from tests.builders import candidate_profile, envelope_of
from tests.support import publish, read_topic, wait_until

pytestmark = pytest.mark.integration

AGENCY = "ali-la-courneuve"
_sirets = iter(range(10_000, 99_999))


def _siret() -> str:
    """A fresh SIRET with a valid Luhn key."""
    body = f"9{next(_sirets):05d}1230001"
    return next(body + str(key) for key in range(10) if luhn_valid(body + str(key)))


def _caseworker(platform, agency: str = AGENCY) -> httpx.AsyncClient:
    return platform.client("placement", role="caseworker", agency_id=agency)


def _profile(beneficiary_id: uuid.UUID, accompaniment_id: uuid.UUID, **changes) -> CandidateProfileUpdated:
    values = dict(
        agency_id=AGENCY,
        aptitudes=["cleaning", "teamwork"],
        max_commute_km=10,
        driving_licence=False,
        work_constraints=[],
        wished_sectors=["I"],
    )
    return candidate_profile(beneficiary_id, accompaniment_id, **(values | changes))


async def _publish(platform, *events: tuple[object, int]) -> None:
    """Put accompaniment events (with their stream version) on accompaniment's topic, as its relay would."""
    published = [
        envelope_of(
            event,
            f"accompaniment-{event.accompaniment_id}",
            version,
            key=str(event.beneficiary_id),
            subject=str(event.beneficiary_id),
        )
        for event, version in events
    ]
    await publish(platform.settings("accompaniment"), platform.topic("accompaniment.events"), published)


async def _candidate(platform, client: httpx.AsyncClient, **changes) -> uuid.UUID:
    """A candidate shared by accompaniment, once placement has consumed the profile."""
    beneficiary_id = uuid.uuid4()
    await _publish(platform, (_profile(beneficiary_id, uuid.uuid4(), **changes), 3))

    async def known():
        return (await client.get(f"/candidates/{beneficiary_id}")).status_code == 200

    await wait_until(known, timeout=60, message="placement to consume the candidate profile")
    return beneficiary_id


async def _employer(client: httpx.AsyncClient, **changes) -> dict:
    body = {
        "siret": _siret(),
        "name": "Cantine Solidaire",
        "size": "tpe",
        "sector": "I",
        "commune_code": "93027",
    }
    response = await client.post("/employers", json={**body, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def _need_body(employer_id: str, **changes) -> dict:
    body = {
        "employer_id": employer_id,
        "title": "kitchen porter",
        "tasks": ["washing up", "receiving deliveries"],
        "weekly_hours": 24,
        "time_slots": ["morning"],
        "required_aptitudes": ["cleaning", "teamwork"],
        "working_conditions": ["standing"],
        "contract_type": "cdi",
        "positions": 1,
        "published_on": (date.today() - timedelta(days=60)).isoformat(),
    }
    return {**body, **changes}


async def _need(client: httpx.AsyncClient, employer_id: str, **changes) -> dict:
    response = await client.post("/needs", json=_need_body(employer_id, **changes))
    assert response.status_code == 201, response.text
    return response.json()


async def test_employers_are_registered_with_a_valid_new_siret_and_their_contacts(platform):
    async with _caseworker(platform) as client, _caseworker(platform, "ali-stains") as other:
        employer = await _employer(client, siae=True)
        assert (employer["agency_id"], employer["siae"], employer["contacts"]) == (AGENCY, True, 0)

        same_siret = {k: employer[k] for k in ("siret", "name", "size", "sector", "commune_code")}
        again = await client.post("/employers", json=same_siret)
        assert again.status_code == 409 and employer["siret"] in again.json()["detail"]
        bad_key = await client.post("/employers", json={**same_siret, "siret": "73282932000075"})
        assert bad_key.status_code == 422 and "clé de contrôle" in bad_key.json()["detail"]

        contact = {"contact_date": date.today().isoformat(), "kind": "visit", "notes": "Two kitchen posts in March."}
        recorded = await other.post(f"/employers/{employer['employer_id']}/contacts", json=contact)
        assert recorded.status_code == 201, recorded.text
        # Notes may name the person met: kept encrypted under the contact's key, shown to staff, never published.
        personal = await client.post(
            f"/employers/{employer['employer_id']}/contacts",
            json={**contact, "contact_name": "Mme Lefèvre", "notes": "ask for 06 12 34 56 78"},
        )
        assert personal.status_code == 201, personal.text
        foreign = await other.post(
            f"/employers/{employer['employer_id']}/contacts", json={**contact, "agency_id": AGENCY}
        )
        assert foreign.status_code == 403

        detail = (await other.get(f"/employers/{employer['employer_id']}")).json()
        assert detail["contacts"] == 2 and detail["last_contact_on"] == date.today().isoformat()
        assert detail["name"] == "Cantine Solidaire"
        assert sorted((c["agency_id"], c["contact_name"], c["notes"]) for c in detail["contact_history"]) == [
            (AGENCY, "Mme Lefèvre", "ask for 06 12 34 56 78"),
            ("ali-stains", None, "Two kitchen posts in March."),
        ]
        listed = await other.get("/employers", params={"agency_id": AGENCY})
        assert employer["employer_id"] in [e["employer_id"] for e in listed.json()]
        assert (await client.get(f"/employers/{uuid.uuid4()}")).status_code == 404


async def test_a_need_with_a_diploma_field_or_an_incomplete_contract_is_refused(platform):
    async with _caseworker(platform) as client:
        employer = await _employer(client)
        diploma = await client.post("/needs", json=_need_body(employer["employer_id"], diploma="CAP cuisine"))
        assert diploma.status_code == 422
        assert [(e["loc"], e["msg"]) for e in diploma.json()["errors"]] == [(["body", "diploma"], "champ inconnu")]
        cdd = await client.post("/needs", json=_need_body(employer["employer_id"], contract_type="cdd"))
        assert cdd.status_code == 422 and cdd.json()["errors"][0]["loc"] == ["body", "duration_months"]
        unknown = await client.post("/needs", json=_need_body(str(uuid.uuid4())))
        assert unknown.status_code == 404
        need = await _need(client, employer["employer_id"])
        assert (need["status"], need["commune_code"], need["sector"]) == ("open", "93027", "I")
        assert (need["title"], need["tasks"]) == ("kitchen porter", ["washing up", "receiving deliveries"])
        assert (await client.get(f"/needs/{need['need_id']}")).json() == need
        listed = await client.get("/needs", params={"status": "open"})
        assert need["need_id"] in [n["need_id"] for n in listed.json()]


async def test_matches_rank_the_agency_s_candidates_with_explanations_and_drop_closed_ones(platform):
    async with _caseworker(platform) as client:
        employer = await _employer(client)
        need = await _need(client, employer["employer_id"])
        best, part_time, other_agency = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        best_accompaniment = uuid.uuid4()
        await _publish(
            platform,
            (_profile(best, best_accompaniment), 2),
            (_profile(part_time, uuid.uuid4(), max_weekly_hours=20, wished_sectors=[]), 2),
            (_profile(other_agency, uuid.uuid4(), agency_id="ali-stains", commune_code="93072"), 2),
        )
        url = f"/needs/{need['need_id']}/matches"

        async def both_ranked():
            body = (await client.get(url)).json()
            return body if len(body["matches"]) == 2 else None

        ranking = await wait_until(both_ranked, timeout=60, message="both candidates in the matches")
        first, second = ranking["matches"]
        assert [first["beneficiary_id"], second["beneficiary_id"]] == [str(best), str(part_time)]
        assert ranking["candidates_considered"] == 2 and "Score out of 100" in ranking["scoring"]
        assert (first["score"], first["compatible"], first["sector_wished"]) == (100, True, True)
        assert first["aptitudes"] == {"met": ["cleaning", "teamwork"], "missing": []}
        assert first["distance_km"] == 0
        assert second["compatible"] is False and second["score"] == 80
        hours = next(c for c in second["constraints"] if c["constraint"] == "weekly_hours")
        assert hours == {
            "constraint": "weekly_hours",
            "compatible": False,
            "detail": "24 h a week above the 20 h the person can work",
        }
        assert (await client.get(url, params={"compatible_only": True})).json()["matches"][0]["beneficiary_id"] == str(
            best
        )

        closed = AccompanimentClosed(
            accompaniment_id=best_accompaniment,
            beneficiary_id=best,
            agency_id=AGENCY,
            closed_on=date.today(),
            exit_category=ExitCategory.CDI,
            exit_group=ExitGroup.EMPLOI_DURABLE,
        )
        await _publish(platform, (closed, 3))

        async def best_gone():
            body = (await client.get(url)).json()
            return [m["beneficiary_id"] for m in body["matches"]] == [str(part_time)]

        await wait_until(best_gone, timeout=60, message="the closed accompaniment's candidate to leave the matches")


async def test_matches_are_refused_to_other_agencies_and_department_staff(platform):
    async with _caseworker(platform) as client:
        need = await _need(client, (await _employer(client))["employer_id"])
    url = f"/needs/{need['need_id']}/matches"
    async with _caseworker(platform, "ali-stains") as other, platform.client("placement", "department_staff") as dept:
        assert (await other.get(url)).status_code == 403
        assert (await other.get(f"/needs/{need['need_id']}")).status_code == 403
        assert (await other.get("/needs", params={"agency_id": AGENCY})).status_code == 403
        assert (await dept.get(url)).status_code == 403
        assert (await dept.get(f"/needs/{need['need_id']}")).status_code == 200
        assert (await dept.post("/needs", json=_need_body(need["employer_id"], agency_id=AGENCY))).status_code == 403
        assert (await dept.get("/introductions")).status_code == 403
    async with httpx.AsyncClient(base_url=platform.urls["placement"]) as anonymous:
        assert (await anonymous.get("/needs")).status_code == 401


async def test_an_introduction_ends_in_a_hire_published_for_accompaniment_then_followed_up(platform):
    async with _caseworker(platform) as client, _caseworker(platform, "ali-stains") as other:
        employer = await _employer(client)
        need = await _need(client, employer["employer_id"], contract_type="cdd", duration_months=6)
        beneficiary_id = await _candidate(platform, client)
        body = {
            "need_id": need["need_id"],
            "beneficiary_id": str(beneficiary_id),
            "introduced_on": (date.today() - timedelta(days=45)).isoformat(),
        }
        assert (await other.post("/introductions", json=body)).status_code == 403
        made = await client.post("/introductions", json=body)
        assert made.status_code == 201, made.text
        introduction = made.json()
        assert (introduction["agency_id"], introduction["caseworker"], introduction["outcome"]) == (
            AGENCY,
            str(staff_id("tester")),
            None,
        )
        assert (await client.post("/introductions", json=body)).status_code == 409

        outcome_url = f"/introductions/{introduction['introduction_id']}/outcome"
        start = date.today() - timedelta(days=40)
        hire = {"outcome": "hired", "contract_type": "cdd", "weekly_hours": 24, "start_date": start.isoformat()}
        no_duration = await client.post(outcome_url, json=hire)
        assert no_duration.status_code == 422 and no_duration.json()["errors"][0]["loc"] == ["body", "duration_months"]
        no_reason = await client.post(outcome_url, json={"outcome": "not_hired"})
        assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["loc"] == ["body", "reason"]
        hired = await client.post(outcome_url, json={**hire, "duration_months": 6})
        assert hired.status_code == 200, hired.text
        hire_id = hired.json()["hire_id"]
        assert hired.json()["outcome"] == "hired"
        twice = await client.post(outcome_url, json={"outcome": "not_hired", "reason": "no_show"})
        assert twice.status_code == 409 and "already recorded" in twice.json()["detail"]
        assert (await client.get(f"/needs/{need['need_id']}")).json()["status"] == "filled"

        async def hire_published():
            records = await read_topic(platform.kafka, platform.topic("placement.events"), idle=1.0)
            envelopes = [(r, Envelope.from_kafka(r.value, r.headers)) for r in records]
            return [
                (r, e) for r, e in envelopes if e.type == "ali.placement.HireRecorded" and e.data["hire_id"] == hire_id
            ]

        [(record, event)] = await wait_until(hire_published, timeout=60, message="HireRecorded on the placement topic")
        assert record.key == str(beneficiary_id).encode()
        assert event.data == {
            "hire_id": hire_id,
            "introduction_id": introduction["introduction_id"],
            "beneficiary_id": str(beneficiary_id),
            "agency_id": AGENCY,
            "employer_id": employer["employer_id"],
            "need_id": need["need_id"],
            "contract_type": "cdd",
            "duration_months": 6.0,
            "weekly_hours": 24.0,
            "start_date": start.isoformat(),
            "sector": "I",
        }

        check_in = {
            "month": 1,
            "checked_on": date.today().isoformat(),
            "still_employed": True,
            "barriers_worked_on": ["mobility"],
        }
        first = await client.post(f"/hires/{hire_id}/check-ins", json=check_in)
        assert first.status_code == 201 and first.json()["check_ins"] == {"1": True}
        assert (await client.post(f"/hires/{hire_id}/check-ins", json=check_in)).status_code == 409
        month_two = await client.post(f"/hires/{hire_id}/check-ins", json={**check_in, "month": 2})
        assert month_two.status_code == 422 and month_two.json()["errors"][0]["loc"] == ["body", "month"]
        assert (await other.post(f"/hires/{hire_id}/check-ins", json={**check_in, "month": 3})).status_code == 403
        assert (await other.get(f"/hires/{hire_id}")).status_code == 403

        before_start = {"ended_on": (start - timedelta(days=1)).isoformat(), "reason": "resignation"}
        refused = await client.post(f"/hires/{hire_id}/early-end", json=before_start)
        assert refused.status_code == 422 and refused.json()["detail"].startswith("ended_on:")
        ended = await client.post(
            f"/hires/{hire_id}/early-end", json={**before_start, "ended_on": date.today().isoformat()}
        )
        assert ended.status_code == 200 and ended.json()["ended_on"] == date.today().isoformat()
        assert (await client.get(f"/hires/{uuid.uuid4()}")).status_code == 404


async def test_an_immersion_counts_at_most_thirty_days_and_is_renewed_once(platform):
    async with _caseworker(platform) as client, _caseworker(platform, "ali-stains") as other:
        employer = await _employer(client)
        beneficiary_id = await _candidate(platform, client)
        start = date.today() - timedelta(days=70)
        body = {
            "beneficiary_id": str(beneficiary_id),
            "host_kind": "employer",
            "employer_id": employer["employer_id"],
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30)).isoformat(),
        }
        too_long = await client.post("/immersions", json=body)
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["loc"] == ["body", "days_of_presence"]
        agreed = await client.post("/immersions", json={**body, "days_of_presence": 20})
        assert agreed.status_code == 201, agreed.text
        immersion = agreed.json()
        assert (immersion["host_name"], immersion["days_of_presence"], immersion["renewed"]) == (
            "Cantine Solidaire",
            20,
            False,
        )
        assert (await other.get(f"/immersions/{immersion['immersion_id']}")).status_code == 403

        url = f"/immersions/{immersion['immersion_id']}"
        renewal_start = start + timedelta(days=31)
        renewal = {
            "start_date": renewal_start.isoformat(),
            "end_date": (renewal_start + timedelta(days=31)).isoformat(),
        }
        assert (await client.post(f"{url}/renewal", json=renewal)).status_code == 422
        renewal["end_date"] = (renewal_start + timedelta(days=13)).isoformat()
        renewed = await client.post(f"{url}/renewal", json=renewal)
        assert renewed.status_code == 200 and renewed.json()["days_of_presence"] == 34 and renewed.json()["renewed"]
        second = await client.post(
            f"{url}/renewal",
            json={"presence_dates": [(renewal_start + timedelta(days=20)).isoformat()]},
        )
        assert second.status_code == 409 and "ne se renouvelle qu'une fois" in second.json()["detail"]
        assert "agree" not in second.json()["detail"], "the refusal must not suggest a new immersion to get around it"

        done = await client.post(f"{url}/outcome", json={"outcome": "hired", "completed_on": date.today().isoformat()})
        assert done.status_code == 200 and done.json()["outcome"] == "hired"
        again = await client.post(
            f"{url}/outcome", json={"outcome": "training", "completed_on": date.today().isoformat()}
        )
        assert again.status_code == 409
        listed = await client.get("/immersions", params={"beneficiary_id": str(beneficiary_id)})
        assert [i["immersion_id"] for i in listed.json()] == [immersion["immersion_id"]]


async def test_simultaneous_requests_never_record_two_introductions_or_two_outcomes(platform):
    async with _caseworker(platform) as client:
        need = await _need(client, (await _employer(client))["employer_id"], positions=3)
        beneficiary_id = await _candidate(platform, client)
        body = {
            "need_id": need["need_id"],
            "beneficiary_id": str(beneficiary_id),
            "introduced_on": (date.today() - timedelta(days=5)).isoformat(),
        }
        made = await asyncio.gather(*(client.post("/introductions", json=body) for _ in range(5)))
        assert sorted(r.status_code for r in made) == [201, 409, 409, 409, 409], [r.text for r in made]
        listed = await client.get("/introductions", params={"need_id": need["need_id"]})
        assert len(listed.json()) == 1

        [introduction] = [r.json() for r in made if r.status_code == 201]
        url = f"/introductions/{introduction['introduction_id']}/outcome"
        outcomes = [
            {"outcome": "hired", "contract_type": "cdi", "weekly_hours": 24, "start_date": date.today().isoformat()},
            {"outcome": "not_hired", "reason": "candidate_declined"},
        ]
        answers = await asyncio.gather(*(client.post(url, json=o) for o in outcomes))
        assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
        recorded = (await client.get(f"/introductions/{introduction['introduction_id']}")).json()
        winner = next(r.json() for r in answers if r.status_code == 200)
        assert recorded["outcome"] == winner["outcome"] and recorded["version"] == 2
