"""Reactions to other contexts on the real stack: a hire proposes an exit, a transfer moves the follow-up."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from shared.contracts.employment import ContractType
from shared.contracts.placement import HireRecorded
from shared.envelope import Envelope
from shared.events import DomainEvent
from tests.builders import envelope_of, hire_recorded, moved, newcomer
from tests.support import publish, read_topic, wait_until

pytestmark = pytest.mark.integration


async def _enrol(platform, commune: str = "93027") -> dict:
    return await platform.enrol(newcomer(commune, oriented_days_ago=5))


async def _publish(platform, context: str, event: DomainEvent, stream_id: str, key: str) -> None:
    """Put an event on another context's topic, as its outbox relay would."""
    published = envelope_of(event, stream_id, key=key, source=f"/ali/{context}")
    await publish(platform.settings(context), platform.topic(f"{context}.events"), [published])


def _hire(person: dict, contract: ContractType, months: float | None = None) -> HireRecorded:
    return hire_recorded(
        person["beneficiary_id"], contract, months, agency_id=person["agency_id"], start_date=date.today()
    )


@pytest.mark.parametrize(
    "contract, months, category, group",
    [
        (ContractType.CDI, None, "cdi", "emploi_durable"),
        (ContractType.CDD, 3, "cdd_or_temp_under_6_months", "emploi_transition"),
        (ContractType.CDDI, None, "other_siae_hire", "sortie_positive"),
    ],
)
async def test_a_hire_recorded_by_placement_proposes_the_exit_and_the_caseworker_closes_with_it(
    platform, contract, months, category, group
):
    person = await _enrol(platform)
    hire = _hire(person, contract, months)
    await _publish(platform, "placement", hire, f"hire-{hire.hire_id}", person["beneficiary_id"])
    url = f"/accompaniments/{person['accompaniment_id']}"
    async with platform.client("accompaniment", role="caseworker", agency_id=person["agency_id"]) as api:

        async def proposed():
            return (await api.get(url)).json()["proposed_exit"]

        proposal = await wait_until(proposed, timeout=60, message="the hire to propose an exit")
        assert proposal["hire_id"] == str(hire.hire_id)
        assert (proposal["exit_category"], proposal["exit_group"]) == (category, group)
        listed = (await api.get("/accompaniments", params={"beneficiary_id": person["beneficiary_id"]})).json()
        assert listed[0]["proposed_exit_category"] == category

        closed = await api.post(f"{url}/closure", json={})
        assert closed.status_code == 200, closed.text
        assert (closed.json()["exit_category"], closed.json()["exit_group"]) == (category, group)


async def test_a_transfer_moves_the_follow_up_to_the_new_agency_with_its_history(platform):
    person = await _enrol(platform, commune="93027")
    url = f"/accompaniments/{person['accompaniment_id']}"
    async with platform.client("accompaniment", role="caseworker", agency_id="ali-la-courneuve") as old:
        await old.post(f"{url}/referent", json={"referent_id": str(uuid.uuid4())})
        await old.post(f"{url}/engagement-contract", json={})
        profile = {
            "aptitudes": ["cleaning"],
            "available_slots": ["morning"],
            "max_weekly_hours": 24,
            "max_commute_km": 5,
        }
        assert (await old.put(f"{url}/candidate-profile", json=profile)).status_code == 200

        transferred = moved(person["beneficiary_id"], date.today())
        await _publish(
            platform, "intake", transferred, f"beneficiary-{person['beneficiary_id']}", person["beneficiary_id"]
        )

        async def lost_access():
            return (await old.get(url)).status_code == 403

        await wait_until(lost_access, timeout=60, message="the transfer to reach accompaniment")

    async with platform.client("accompaniment", role="caseworker", agency_id="ali-clichy-sous-bois") as new:
        detail = (await new.get(url)).json()
        assert (detail["agency_id"], detail["commune_code"], detail["referent_id"]) == (
            "ali-clichy-sous-bois",
            "93014",
            None,
        )
        assert detail["contract"]["signed_on"] == date.today().isoformat()
        assert detail["transfers"] == [
            {
                "from_agency_id": "ali-la-courneuve",
                "to_agency_id": "ali-clichy-sous-bois",
                "commune_code": "93014",
                "transferred_on": date.today().isoformat(),
            }
        ]
        history = [h["type"] for h in (await new.get(f"{url}/history")).json()]
        assert history == [
            "AccompanimentOpened",
            "ReferentAssigned",
            "EngagementContractSigned",
            "CandidateProfileUpdated",
            "AccompanimentTransferred",
            "CandidateProfileUpdated",
        ]
        listed = (await new.get("/accompaniments")).json()
        assert person["accompaniment_id"] in {a["accompaniment_id"] for a in listed}

    async def published_profiles():
        records = await read_topic(platform.kafka, platform.topic("accompaniment.events"), idle=2)
        profiles = [
            Envelope.from_kafka(r.value, r.headers)
            for r in records
            if r.key == person["beneficiary_id"].encode()
            and dict(r.headers)["ce_type"].endswith(b"CandidateProfileUpdated")
        ]
        return profiles if len(profiles) >= 2 else None

    profiles = await wait_until(published_profiles, timeout=60, message="both profiles on the accompaniment topic")
    assert [(p.data["agency_id"], p.data["commune_code"]) for p in profiles] == [
        ("ali-la-courneuve", "93027"),
        ("ali-clichy-sous-bois", "93014"),
    ]
