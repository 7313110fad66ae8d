"""`POST /batch` on the accompaniment service, on the real stack: commands and reads answered as if sent alone."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from tests.builders import newcomer

pytestmark = pytest.mark.integration

AGENCY = "ali-la-courneuve"


def _appointment(accompaniment: str, appointment_id: str | None = None) -> dict:
    # Today as the command is built (not when the module was imported: a run across midnight would date the
    # appointment before the accompaniment it is for).
    body = {"appointment_id": appointment_id or str(uuid.uuid4()), "appointment_date": date.today().isoformat()}
    return {"method": "POST", "url": f"/accompaniments/{accompaniment}/appointments", "body": body}


async def test_a_batch_of_commands_and_reads_answers_each_as_alone_within_the_callers_agency(platform):
    first = (await platform.enrol(newcomer("93027", 40)))["accompaniment_id"]
    second = (await platform.enrol(newcomer("93027", 20)))["accompaniment_id"]
    appointment = str(uuid.uuid4())
    requests = [
        {"id": "scheduled", **_appointment(first, appointment)},
        {"id": "read", "method": "GET", "url": f"/accompaniments/{second}"},
        {"id": "unknown", "method": "GET", "url": f"/accompaniments/{uuid.uuid4()}"},
        {"id": "invalid", "method": "POST", "url": f"/accompaniments/{second}/appointments", "body": {"x": 1}},
        {"id": "held-unknown", "method": "POST", "url": f"/accompaniments/{second}/appointments/{uuid.uuid4()}/held"},
        *({"id": f"many-{n}", **_appointment(second)} for n in range(12)),
    ]
    async with platform.client("accompaniment", role="caseworker", agency_id=AGENCY) as api:
        answer = await api.post("/batch", json={"requests": requests})
        assert answer.status_code == 200, answer.text
        responses = {r["id"]: r for r in answer.json()["responses"]}
        assert list(responses) == [r["id"] for r in requests], "in the order sent"
        assert responses["scheduled"]["status"] == 201, responses["scheduled"]
        assert responses["read"]["status"] == 200 and responses["read"]["body"]["accompaniment_id"] == second
        assert responses["unknown"]["status"] == 404
        assert responses["invalid"]["status"] == 422 and responses["invalid"]["body"]["code"] == "invalid_input"
        assert responses["held-unknown"]["status"] in (404, 409), responses["held-unknown"]
        many = [responses[f"many-{n}"] for n in range(12)]
        assert all(r["status"] in (201, 409) for r in many), many
        written = sum(r["status"] == 201 for r in many)
        assert written >= 1

        # What the batch answered is what was recorded: the same state read alone.
        alone = (await api.get(f"/accompaniments/{first}")).json()
        assert [a["id"] for a in alone["appointments"]] == [appointment]
        assert len((await api.get(f"/accompaniments/{second}")).json()["appointments"]) == written

    async with platform.client("accompaniment", role="caseworker", agency_id="ali-bondy") as other:
        refused = await other.post("/batch", json={"requests": [{"id": "x", **_appointment(first)}]})
        assert refused.status_code == 200
        (only,) = refused.json()["responses"]
        assert (only["status"], only["body"]["code"]) == (403, "access_denied")
        nested = await other.post(
            "/batch", json={"requests": [{"id": "n", "method": "POST", "url": "/batch", "body": {"requests": []}}]}
        )
        assert nested.json()["responses"][0]["body"]["code"] == "nested_batch"
        too_many = await other.post(
            "/batch", json={"requests": [{"id": str(n), "method": "GET", "url": "/workshops"} for n in range(101)]}
        )
        assert too_many.status_code == 422 and too_many.json()["code"] == "invalid_input"

    async with platform.client("accompaniment", role="caseworker", agency_id=AGENCY) as api:
        unchanged = (await api.get(f"/accompaniments/{first}")).json()
        assert len(unchanged["appointments"]) == 1, "the refused command wrote nothing"


async def test_the_batch_route_is_documented(platform):
    async with platform.client("accompaniment", role="admin") as api:
        document = (await api.get("/openapi.json")).json()
    operation = document["paths"]["/batch"]["post"]
    assert "BatchRequest" in str(operation["requestBody"]) and "200" in operation["responses"]
