"""Events recorded before free text left them: read as their current version, the text never passed on."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.contracts import REGISTRY
from shared.contracts.legacy import LEGACY_TEXTS, UPCASTERS
from shared.private_text import Owner, text_ref
from shared.staff import staff_id

SECRET = "Zéphyrine Ngozikwe 06 47 28 19 53"
ACC, PERSON, ITEM, EMPLOYER = (uuid.uuid4() for _ in range(4))
HEADER = {"accompaniment_id": str(ACC), "beneficiary_id": str(PERSON), "agency_id": "ali-stains"}
HIRE = {
    "hire_id": str(ITEM),
    "introduction_id": str(uuid.uuid4()),
    "beneficiary_id": str(PERSON),
    "agency_id": "ali-stains",
    "employer_id": str(EMPLOYER),
}
# Version-1 payloads as an earlier platform stored and published them, each with free text where it allowed it.
V1 = {
    "ali.accompaniment.CandidateProfileUpdated": {
        **HEADER,
        "commune_code": "93072",
        "aptitudes": ["Handling", SECRET],
        "available_slots": ["morning"],
        "max_weekly_hours": 35,
        "max_commute_km": 10,
        "driving_licence": False,
        "health_restrictions": ["no_carrying", SECRET],
        "wished_sectors": ["Logistics", SECRET],
    },
    "ali.accompaniment.ReferentAssigned": {**HEADER, "referent_id": SECRET, "assigned_on": "2025-03-01"},
    "ali.accompaniment.TrainingNeedRecorded": {
        **HEADER,
        "training_need_id": str(ITEM),
        "subject": SECRET,
        "recorded_on": "2025-03-01",
    },
    "ali.accompaniment.ObjectiveSet": {**HEADER, "objective_id": str(ITEM), "label": SECRET, "set_on": "2025-03-01"},
    "ali.accompaniment.ActionPlanned": {
        **HEADER,
        "action_id": str(ITEM),
        "objective_id": str(uuid.uuid4()),
        "label": SECRET,
        "planned_on": "2025-03-01",
    },
    "ali.accompaniment.SchemeReferralMade": {
        **HEADER,
        "referral_id": str(ITEM),
        "scheme": "iae",
        "partner": SECRET,
        "referred_on": "2025-03-01",
    },
    "ali.accompaniment.WorkshopSessionScheduled": {
        "session_id": str(ITEM),
        "agency_id": "ali-stains",
        "theme": "budget",
        "session_date": "2025-03-01",
        "capacity": 10,
        "scheduled_on": "2025-02-01",
        "title": SECRET,
    },
    "ali.placement.EmployerRegistered": {
        "employer_id": str(EMPLOYER),
        "siret": "73282932000074",
        "name": SECRET,
        "size": "tpe",
        "sector": SECRET,
        "social_economy": False,
        "siae": False,
        "commune_code": "93027",
    },
    "ali.placement.EmployerContactRecorded": {
        "employer_id": str(EMPLOYER),
        "contact_id": str(ITEM),
        "agency_id": "ali-stains",
        "contact_date": "2025-03-01",
        "kind": "visit",
        "caseworker": SECRET,
        "notes": SECRET,
    },
    "ali.placement.NeedPublished": {
        "need_id": str(ITEM),
        "employer_id": str(EMPLOYER),
        "agency_id": "ali-stains",
        "title": SECRET,
        "sector": "catering",
        "tasks": [SECRET, "washing up"],
        "weekly_hours": 24,
        "time_slots": ["morning"],
        "commune_code": "93027",
        "required_aptitudes": ["handling", SECRET],
        "working_conditions": ["standing"],
        "contract_type": "cdi",
        "duration_months": None,
        "positions": 1,
        "published_on": "2025-03-01",
    },
    "ali.placement.IntroductionMade": {
        "introduction_id": str(ITEM),
        "need_id": str(uuid.uuid4()),
        "employer_id": str(EMPLOYER),
        "beneficiary_id": str(PERSON),
        "agency_id": "ali-stains",
        "introduced_on": "2025-03-01",
        "caseworker": SECRET,
        "sector": SECRET,
        "contract_type": "cdi",
    },
    "ali.placement.HireRecorded": {
        **HIRE,
        "need_id": None,
        "contract_type": "cdi",
        "duration_months": None,
        "weekly_hours": 35,
        "start_date": "2025-03-01",
        "sector": "Food retail",
    },
    "ali.placement.HireCheckInRecorded": {
        **HIRE,
        "month": 3,
        "checked_on": "2025-06-01",
        "still_employed": True,
        "barriers_worked_on": ["childcare", SECRET],
        "notes": SECRET,
    },
    "ali.placement.HireEndedEarly": {
        **HIRE,
        "contract_type": "cdi",
        "sector": SECRET,
        "start_date": "2025-03-01",
        "ended_on": "2025-04-01",
        "days_in_post": 31,
        "reason": "resignation",
    },
    "ali.placement.ImmersionAgreed": {
        "immersion_id": str(ITEM),
        "beneficiary_id": str(PERSON),
        "agency_id": "ali-stains",
        "host_kind": "training_centre",
        "employer_id": None,
        "host_name": SECRET,
        "sector": None,
        "start_date": "2025-03-01",
        "end_date": "2025-03-10",
        "days_of_presence": 8,
        "agreed_on": "2025-02-20",
    },
}


def test_every_changed_event_has_a_version_one_example_here():
    assert set(V1) == {event_type for event_type, _ in UPCASTERS}


@pytest.mark.parametrize("event_type", sorted(V1))
def test_an_old_event_is_read_as_its_current_version_without_its_text(event_type):
    event = REGISTRY.decode(event_type, 1, V1[event_type])
    dumped = event.model_dump_json()
    assert "Zéphyrine" not in dumped and "Ngozikwe" not in dumped and "06 47" not in dumped
    assert json.loads(dumped) == REGISTRY.decode(event_type, event.schema_version, json.loads(dumped)).model_dump(
        mode="json"
    )


def test_free_form_categories_become_the_codes_they_name_and_the_rest_is_dropped():
    profile = REGISTRY.decode(
        "ali.accompaniment.CandidateProfileUpdated", 1, V1["ali.accompaniment.CandidateProfileUpdated"]
    )
    assert (profile.aptitudes, profile.work_constraints, profile.wished_sectors) == (
        ["handling"],
        ["no_heavy_lifting"],
        ["H"],
    )
    check_in = REGISTRY.decode("ali.placement.HireCheckInRecorded", 1, V1["ali.placement.HireCheckInRecorded"])
    assert check_in.barriers_worked_on == ["family_constraints"]
    assert REGISTRY.decode("ali.placement.HireRecorded", 1, V1["ali.placement.HireRecorded"]).sector == "G"
    assert REGISTRY.decode("ali.placement.HireEndedEarly", 1, V1["ali.placement.HireEndedEarly"]).sector is None
    referent = REGISTRY.decode("ali.accompaniment.ReferentAssigned", 1, V1["ali.accompaniment.ReferentAssigned"])
    assert referent.referent_id == staff_id(SECRET)


def test_the_reference_an_old_event_gets_is_where_its_text_is_moved_and_whose_key_holds_it():
    objective = REGISTRY.decode("ali.accompaniment.ObjectiveSet", 1, V1["ali.accompaniment.ObjectiveSet"])
    assert LEGACY_TEXTS["ali.accompaniment.ObjectiveSet"](V1["ali.accompaniment.ObjectiveSet"]) == [
        (objective.label_ref, Owner.person(PERSON), SECRET)
    ]
    check_in = REGISTRY.decode("ali.placement.HireCheckInRecorded", 1, V1["ali.placement.HireCheckInRecorded"])
    assert check_in.notes_ref == text_ref(ITEM, "check_in_3_notes")
    [(ref, owner, _)] = LEGACY_TEXTS["ali.placement.HireCheckInRecorded"](V1["ali.placement.HireCheckInRecorded"])
    assert (ref, owner) == (check_in.notes_ref, Owner.person(PERSON))
    [(ref, owner, _)] = LEGACY_TEXTS["ali.placement.EmployerContactRecorded"](
        V1["ali.placement.EmployerContactRecorded"]
    )
    assert owner == Owner.contact(ITEM)
    need = LEGACY_TEXTS["ali.placement.NeedPublished"](V1["ali.placement.NeedPublished"])
    assert [o for _, o, _ in need] == [Owner.employer(EMPLOYER)] * 2 and json.loads(need[1][2]) == [
        SECRET,
        "washing up",
    ]
