"""Closed referentials: published, labelled in French, served by a route, and an unknown code lists the valid ones."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from services.accompaniment.domain.commands import UpdateCandidateProfile
from services.placement.domain.commands import PublishNeed, RecordCheckIn
from shared.auth import Principal, Role
from shared.auth.http import authenticate
from shared.contracts.referentials import Aptitude, Sector, WorkConstraint
from shared.http import install_error_handlers
from shared.referentials import REFERENTIALS, RULES_OUT, check_published
from shared.referentials_api import router


def test_every_referential_is_published_at_its_version_and_no_code_was_removed():
    assert check_published() == []


def test_every_code_has_a_french_label():
    for referential in REFERENTIALS.values():
        codes = {c.value for c in referential.codes}
        assert codes <= set(referential.labels), referential.name
        assert all(label.strip() for label in referential.labels.values()), referential.name


def test_the_new_referentials_and_their_sizes():
    assert {name: len(r.codes) for name, r in REFERENTIALS.items()} == {
        "aptitudes": 24,
        "work_constraints": 11,
        "sectors": 21,
        "scheme_kinds": 5,
        "workshop_themes": 8,
        "barrier_categories": 10,
        "contract_types": 12,
        "exit_categories": 16,
        "exit_groups": 4,
        "time_slots": 5,
        "working_conditions": 9,
        "suspension_reasons": 5,
        "renewal_reasons": 5,
        "action_statuses": 4,
        "employer_sizes": 4,
        "contact_kinds": 3,
        "need_closure_reasons": 4,
        "not_hired_reasons": 7,
        "early_end_reasons": 8,
        "immersion_hosts": 2,
        "immersion_outcomes": 5,
        "referral_sources": 9,
        "age_bands": 5,
        "household_types": 4,
    }


def test_work_constraints_say_what_they_rule_out_and_are_never_a_diagnosis():
    assert all(c.value.startswith(("no_", "part_time", "adapted")) for c in WorkConstraint)
    assert RULES_OUT[WorkConstraint.NO_HEAVY_LIFTING] == {"heavy_lifting"}
    exposed = {e["code"]: e for e in REFERENTIALS["work_constraints"].entries()}
    assert exposed["part_time_only"]["max_weekly_hours_below"] == 35.0


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: UpdateCandidateProfile(aptitudes=["juggling"], max_weekly_hours=35, max_commute_km=5), "aptitudes.0"),
        (
            lambda: UpdateCandidateProfile(work_constraints=["diabète"], max_weekly_hours=35, max_commute_km=5),
            "work_constraints.0",
        ),
        (
            lambda: UpdateCandidateProfile(wished_sectors=["logistics"], max_weekly_hours=35, max_commute_km=5),
            "wished_sectors.0",
        ),
        (
            lambda: RecordCheckIn(
                month=1, checked_on="2026-01-05", still_employed=True, barriers_worked_on=["childcare"]
            ),
            "barriers_worked_on.0",
        ),
    ],
)
def test_an_unknown_code_is_refused_with_the_list_of_valid_codes(build, field):
    with pytest.raises(ValidationError) as raised:
        build()
    [error] = raised.value.errors()
    assert ".".join(map(str, error["loc"])) == field and error["type"] == "enum"
    assert error["msg"].startswith("Input should be '") and error["msg"].count("'") >= 2 * 4


def test_a_need_asks_for_aptitudes_of_the_referential():
    need = dict(employer_id="5b1f6c1e-8a8e-4c1e-9d57-3f2a4a0b7c11", title="t", tasks=["x"], weekly_hours=10)
    need |= dict(time_slots=["morning"], contract_type="cdi")
    assert PublishNeed(**need, required_aptitudes=["order_picking"]).required_aptitudes == [Aptitude.ORDER_PICKING]
    with pytest.raises(ValidationError):
        PublishNeed(**need, required_aptitudes=["picking"])


@pytest.fixture
async def client():
    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)
    app.dependency_overrides[authenticate] = lambda: Principal("tester", Role.CASEWORKER, "ali-stains")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_the_referentials_are_listed_and_served_with_their_labels(client):
    listed = (await client.get("/referentials")).json()
    assert {r["name"]: r["count"] for r in listed}["sectors"] == len(Sector)
    sectors = (await client.get("/referentials/sectors")).json()
    assert sectors["version"] == 1 and sectors["codes"][7] == {"code": "H", "label": "Transports et entreposage"}
    exits = {c["code"]: c for c in (await client.get("/referentials/exit_categories")).json()["codes"]}
    assert exits["cdi"]["group"] == "emploi_durable"
    missing = await client.get("/referentials/nope")
    assert missing.status_code == 404 and "aptitudes" in missing.json()["detail"]
