"""One person over HTTP through every service: referral, accompaniment, exit, positive-exit rate."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from shared.envelope import Envelope
from tests.support import read_topic, wait_until

pytestmark = pytest.mark.e2e


def _referral(first: str, commune: str) -> dict:
    return {
        "first_name": first,
        "last_name": "Martin",
        "birth_date": "1987-09-14",
        "commune_code": commune,
        "orientation_date": (date.today() - timedelta(days=10)).isoformat(),
        "household_type": "single_parent",
        "children": 2,
        "phone": "0601020304",
    }


def _admin(platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.token('admin')}"}


async def _accompaniment_of(client: httpx.AsyncClient, url: str, beneficiary_id: str) -> dict | None:
    response = await client.get(f"{url}/accompaniments", params={"beneficiary_id": beneficiary_id})
    response.raise_for_status()
    return response.json()[0] if response.json() else None


async def _rates(client: httpx.AsyncClient, url: str) -> dict:
    response = await client.get(f"{url}/indicators/positive-exit-rate")
    response.raise_for_status()
    return response.json()


async def test_referral_to_positive_exit_rate_over_http(platform):
    urls = platform.urls
    async with httpx.AsyncClient(timeout=10, headers=_admin(platform)) as client:
        people = []
        for first, commune in [("Inès", "93027"), ("Karim", "93027"), ("Lucie", "93014")]:
            response = await client.post(f"{urls['intake']}/referrals", json=_referral(first, commune))
            assert response.status_code == 201, response.text
            people.append(response.json())
        assert [p["agency_id"] for p in people] == ["ali-la-courneuve", "ali-la-courneuve", "ali-clichy-sous-bois"]

        again = await client.post(f"{urls['intake']}/referrals", json=_referral("Inès", "93027"))
        assert again.status_code == 200 and again.json()["beneficiary_id"] == people[0]["beneficiary_id"]

        accompaniments = []
        for person in people:

            async def opened(person=person):
                return await _accompaniment_of(client, urls["accompaniment"], person["beneficiary_id"])

            accompaniments.append(await wait_until(opened, timeout=60, message="accompaniment opened"))
        assert all(a["status"] == "open" for a in accompaniments)

        exits = ["cdi", "unemployment", "qualifying_training"]
        for accompaniment, category in zip(accompaniments, exits, strict=True):
            response = await client.post(
                f"{urls['accompaniment']}/accompaniments/{accompaniment['accompaniment_id']}/closure",
                json={"exit_category": category},
            )
            assert response.status_code == 200, response.text
        twice = await client.post(
            f"{urls['accompaniment']}/accompaniments/{accompaniments[0]['accompaniment_id']}/closure",
            json={"exit_category": "cdi"},
        )
        assert twice.status_code == 409 and "déjà clos" in twice.json()["detail"]

        async def three_exits():
            rates = await _rates(client, urls["reporting"])
            return rates if rates["department"]["exits"] == 3 else None

        rates = await wait_until(three_exits, timeout=60, message="reporting to count three exits")
    department = rates["department"]
    assert department["positive_exits"] == 2 and department["positive_exit_rate"] == round(2 / 3, 4)
    assert department["exits_by_group"] == {
        "emploi_durable": 1,
        "emploi_transition": 0,
        "sortie_positive": 1,
        "autre_sortie": 1,
    }
    by_agency = {a["scope"]: a for a in rates["agencies"]}
    assert by_agency["ali-la-courneuve"]["positive_exit_rate"] == 0.5
    assert by_agency["ali-clichy-sous-bois"]["positive_exit_rate"] == 1.0

    # The facts are on the topics, with CloudEvents headers and no identifying data.
    records = await read_topic(platform.kafka, platform.topic("accompaniment.events"), expect=6)
    events = [Envelope.from_kafka(r.value, r.headers) for r in records]
    assert sorted(e.type.rsplit(".", 1)[1] for e in events) == ["AccompanimentClosed"] * 3 + ["AccompanimentOpened"] * 3
    intake = await read_topic(platform.kafka, platform.topic("intake.events"), expect=3)
    for record in intake + records:
        assert b"Martin" not in record.value and b"1987-09-14" not in record.value and b"0601020304" not in record.value


async def test_restarted_reporting_recovers_the_same_figures(platform):
    async with httpx.AsyncClient(timeout=10, headers=_admin(platform)) as client:
        before = await _rates(client, platform.urls["reporting"])
        assert before["department"]["exits"] > 0, "runs after the thin slice, which recorded exits"
        await platform.restart("reporting")
        after = await _rates(client, platform.urls["reporting"])
    assert after == before


async def test_invalid_and_unknown_input_get_clear_errors(platform):
    urls = platform.urls
    async with httpx.AsyncClient(timeout=10, headers=_admin(platform)) as client:
        outside = await client.post(f"{urls['intake']}/referrals", json=_referral("Paul", "75056"))
        assert outside.status_code == 422 and "75056" in outside.json()["detail"]
        malformed = await client.post(f"{urls['intake']}/referrals", json={"first_name": "Paul"})
        assert malformed.status_code == 422
        assert {e["loc"][-1] for e in malformed.json()["errors"]} >= {"last_name", "birth_date", "commune_code"}
        unknown = await client.post(
            f"{urls['accompaniment']}/accompaniments/00000000-0000-0000-0000-000000000000/closure",
            json={"exit_category": "cdi"},
        )
        assert unknown.status_code == 404
        bad_category = await client.post(
            f"{urls['accompaniment']}/accompaniments/00000000-0000-0000-0000-000000000000/closure",
            json={"exit_category": "lottery_win"},
        )
        assert bad_category.status_code == 422
        bad_siret = await client.post(
            f"{urls['placement']}/employers",
            json={"siret": "73282932000075", "name": "X", "size": "tpe", "sector": "G", "commune_code": "93027"},
        )
        assert bad_siret.status_code == 422 and "clé de contrôle" in bad_siret.json()["detail"]


async def test_every_service_reports_health_and_metrics(platform):
    async with httpx.AsyncClient(timeout=10, headers=_admin(platform)) as client:
        for name, url in platform.urls.items():
            ready = await client.get(f"{url}/health/ready")
            assert ready.status_code == 200, (name, ready.text)
            assert ready.json()["checks"]["postgres"]["ok"] and ready.json()["checks"]["kafka"]["ok"]
            assert (await client.get(f"{url}/health/live")).json() == {"status": "ok"}
            metrics = await client.get(f"{url}/metrics")
            assert metrics.status_code == 200 and "http_requests_total" in metrics.text
