"""One person walked over HTTP from referral to a hire and a closed accompaniment, then read back on the topics."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

import asyncpg
import pytest

from shared.envelope import Envelope
from tests.builders import employer_body
from tests.support import read_topic, wait_until

pytestmark = pytest.mark.e2e

AGENCY = "ali-la-courneuve"
PERSON = {
    "first_name": "Aminata",
    "last_name": "Kourouma",
    "birth_date": "1986-07-21",
    "nir": "286077511204568",
    "allocataire_number": "7412589",
    "allocataire_role": "demandeur",
    "address": "14 rue Édouard Vaillant",
    "commune_code": "93027",
    "phone": "0611223344",
    "email": "aminata.kourouma@example.org",
    "household_type": "single_parent",
    "children": 2,
}
IDENTIFYING = [
    b"Kourouma",
    b"Aminata",
    b"1986-07-21",
    b"2860775112045",
    b"7412589",
    b"Vaillant",
    b"0611223344",
    b"aminata.kourouma",
]


def assert_no_identifier(records, identifiers=IDENTIFYING) -> None:
    """No identifying value in any key, value or header of the records."""
    for record in records:
        blobs = [record.key or b"", record.value or b""] + [v or b"" for _, v in record.headers or []]
        for blob in blobs:
            for identifier in identifiers:
                assert identifier.lower() not in blob.lower(), f"{identifier!r} found on {record.topic}"


async def test_referral_to_hire_and_closed_accompaniment(platform):
    today = date.today()
    admin_intake = platform.client("intake")
    caseworker = {s: platform.client(s, "caseworker", AGENCY) for s in ("intake", "accompaniment", "placement")}
    async with admin_intake, caseworker["intake"], caseworker["accompaniment"] as acc, caseworker["placement"] as pl:
        referral = await admin_intake.post(
            "/referrals",
            json={
                **PERSON,
                "orientation_date": (today - timedelta(days=20)).isoformat(),
                "enrolment_date": (today - timedelta(days=15)).isoformat(),
            },
        )
        assert referral.status_code == 201, referral.text
        beneficiary = referral.json()["beneficiary_id"]
        identity = (await caseworker["intake"].get(f"/beneficiaries/{beneficiary}")).json()
        assert identity["identity"]["last_name"] == "Kourouma"

        async def opened():
            found = (await acc.get("/accompaniments", params={"beneficiary_id": beneficiary})).json()
            return found[0] if found else None

        accompaniment = (await wait_until(opened, 60, message="accompaniment opened"))["accompaniment_id"]
        path = f"/accompaniments/{accompaniment}"
        steps = [
            ("POST", f"{path}/engagement-contract", {"signed_on": (today - timedelta(days=10)).isoformat()}),
            (
                "POST",
                f"{path}/appointments",
                {
                    "appointment_id": "8c7d4d1e-0b52-4e0f-9c51-3f3b0e6b9a11",
                    "appointment_date": (today - timedelta(days=12)).isoformat(),
                },
            ),
            ("POST", f"{path}/appointments/8c7d4d1e-0b52-4e0f-9c51-3f3b0e6b9a11/held", None),
            (
                "POST",
                f"{path}/barriers",
                {"category": "mobility", "identified_on": (today - timedelta(days=12)).isoformat()},
            ),
            (
                "PUT",
                f"{path}/candidate-profile",
                {
                    "aptitudes": ["handling", "teamwork"],
                    "available_slots": ["morning", "afternoon"],
                    "max_weekly_hours": 35,
                    "max_commute_km": 10,
                    "wished_sectors": ["H"],
                },
            ),
        ]
        for method, url, body in steps:
            response = await acc.request(method, url, json=body)
            assert response.status_code in (200, 201), (url, response.text)

        employer = await pl.post("/employers", json=employer_body())
        assert employer.status_code == 201, employer.text
        need = await pl.post(
            "/needs",
            json={
                "employer_id": employer.json()["employer_id"],
                "title": "préparateur de commandes",
                "sector": "H",
                "tasks": ["préparer les commandes", "charger les palettes"],
                "weekly_hours": 35,
                "time_slots": ["morning"],
                "commune_code": "93027",
                "required_aptitudes": ["handling"],
                "working_conditions": ["standing"],
                "contract_type": "cdi",
                "positions": 1,
            },
        )
        assert need.status_code == 201, need.text
        need_id = need.json()["need_id"]

        async def matched():
            ranked = (await pl.get(f"/needs/{need_id}/matches")).json()["matches"]
            return next((m for m in ranked if m["beneficiary_id"] == beneficiary), None)

        match = await wait_until(matched, 60, message="the candidate among the matches")
        assert match["score"] > 0
        introduction = await pl.post(
            "/introductions",
            json={"need_id": need_id, "beneficiary_id": beneficiary, "introduced_on": today.isoformat()},
        )
        assert introduction.status_code == 201, introduction.text
        hired = await pl.post(
            f"/introductions/{introduction.json()['introduction_id']}/outcome",
            json={"outcome": "hired", "contract_type": "cdi", "weekly_hours": 35, "start_date": today.isoformat()},
        )
        assert hired.status_code in (200, 201), hired.text

        async def proposed():
            detail = (await acc.get(path)).json()
            return detail["proposed_exit"]

        proposal = await wait_until(proposed, 60, message="the hire to propose an exit")
        assert (proposal["exit_category"], proposal["exit_group"]) == ("cdi", "emploi_durable")
        closed = await acc.post(f"{path}/closure", json={})
        assert closed.status_code == 200, closed.text
        again = await acc.post(f"{path}/closure", json={"exit_category": "cdi"})
        assert again.status_code == 409
        after = await acc.post(f"{path}/barriers", json={"category": "housing"})
        assert after.status_code == 409, "nothing can be recorded on a closed accompaniment"

    async with platform.client("accompaniment", "caseworker", "ali-stains") as other:
        assert (await other.get(path)).status_code == 403
    async with platform.client("accompaniment") as admin:
        admin.headers.pop("Authorization")
        assert (await admin.get(path)).status_code == 401

    async with platform.client("reporting", "department_staff") as reporting:

        async def counted():
            figures = (await reporting.get("/indicators")).json()
            return figures if figures["placement"]["hires"] == 1 and figures["accompaniments"]["exits"] == 1 else None

        figures = await wait_until(counted, 60, message="reporting to count the hire and the exit")
    assert figures["accompaniments"]["exits_by_group"]["emploi_durable"] == 1
    assert figures["follow_up"]["contracts_signed_in_time"] == 1
    assert figures["barriers"]["by_category"] == {"mobility": {"identified": 1, "lifted": 0, "open": 0}}

    expected = {
        "intake": ["BeneficiaryEnrolled"],
        "accompaniment": [
            "AccompanimentOpened",
            "EngagementContractSigned",
            "AppointmentScheduled",
            "AppointmentHeld",
            "BarrierIdentified",
            "CandidateProfileUpdated",
            "ExitProposed",
            "AccompanimentClosed",
        ],
        "placement": ["EmployerRegistered", "NeedPublished", "IntroductionMade", "HireRecorded"],
    }
    for context, types in expected.items():
        records = await read_topic(platform.kafka, platform.topic(f"{context}.events"), idle=2)
        assert_no_identifier(records)
        envelopes = [Envelope.from_kafka(r.value, r.headers) for r in records]
        by_stream: dict[str, list[str]] = defaultdict(list)
        for envelope in envelopes:
            by_stream[envelope.stream_id].append(envelope.type.rsplit(".", 1)[1])
            assert (
                dict(next(r.headers for r in records if Envelope.from_kafka(r.value, r.headers).id == envelope.id))[
                    "ce_specversion"
                ]
                == b"1.0"
            )
        seen = [t for stream in by_stream.values() for t in stream]
        for event_type in types:
            assert event_type in seen, f"{event_type} missing from {context}.events"
        person_streams = [s for s, ts in by_stream.items() if ts[0] in ("AccompanimentOpened", "BeneficiaryEnrolled")]
        for stream in person_streams:
            versions = [e.stream_version for e in envelopes if e.stream_id == stream]
            assert versions == sorted(versions), f"{stream} out of order on the topic"


async def test_erasing_personal_data_keeps_the_statistics(platform):
    async with platform.client("intake") as intake, platform.client("reporting", "department_staff") as reporting:

        async def entries() -> int:
            return (await reporting.get("/indicators")).json()["accompaniments"]["entries"]

        baseline = await entries()
        referral = await intake.post(
            "/referrals",
            json={
                **PERSON,
                "first_name": "Fanta",
                "nir": None,
                "allocataire_number": None,
                "allocataire_role": None,
                "email": None,
                "orientation_date": (date.today() - timedelta(days=3)).isoformat(),
            },
        )
        assert referral.status_code == 201, referral.text
        beneficiary = referral.json()["beneficiary_id"]

        async def counted():
            return await entries() == baseline + 1

        await wait_until(counted, 60, message="the entry counted")
        erased = await intake.delete(f"/beneficiaries/{beneficiary}/personal-data")
        assert erased.status_code == 200, erased.text
        shown = (await intake.get(f"/beneficiaries/{beneficiary}")).json()
        assert shown["status"] == "erased" and shown["identity"] is None

        conn = await asyncpg.connect(platform.database_url)
        try:

            async def erasure_projected():
                return await conn.fetchval(
                    f"SELECT personal_data_erased FROM {platform.schema('bi')}.beneficiaries WHERE beneficiary_id = $1",
                    uuid.UUID(beneficiary),
                )

            await wait_until(erasure_projected, 60, message="reporting to record the erasure")
        finally:
            await conn.close()
        assert await entries() == baseline + 1, "the statistics keep the erased person"
