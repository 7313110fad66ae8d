"""Input rules checked when a command is built: closed models, need validation, outcomes, check-ins, PMSMP."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from pydantic import ValidationError

from services.placement.domain.commands import (
    AgreeImmersion,
    MakeIntroduction,
    PublishNeed,
    RecordCheckIn,
    RecordEmployerContact,
    RecordOutcome,
    RegisterEmployer,
    RenewImmersion,
)
from shared.contracts import REGISTRY

NEED = {
    "employer_id": str(uuid.uuid4()),
    "title": "kitchen porter",
    "tasks": ["washing up", "receiving deliveries"],
    "weekly_hours": 24,
    "time_slots": ["morning", "afternoon"],
    "commune_code": "93027",
    "required_aptitudes": ["handling", "teamwork", "handling"],
    "working_conditions": ["standing"],
    "contract_type": "cdi",
    "positions": 2,
}


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["msg"] for e in excinfo.value.errors()}


@pytest.mark.parametrize("field", ["diploma", "cv", "degree"])
def test_a_need_with_a_diploma_or_cv_field_is_refused(field):
    with pytest.raises(ValidationError) as raised:
        PublishNeed(**NEED, **{field: "CAP cuisine"})
    assert _errors(raised) == {field: "Extra inputs are not permitted"}


def test_no_command_or_event_of_placement_has_a_diploma_or_cv_field():
    forbidden = {"diploma", "diplomas", "cv", "degree", "qualification", "education"}
    placement_events = [c for c in REGISTRY.classes() if c.context == "placement"]
    for cls in [*placement_events, PublishNeed, MakeIntroduction, RecordOutcome, AgreeImmersion]:
        assert not forbidden & set(cls.model_fields), cls
        assert cls.model_config["extra"] == "forbid", cls


def test_a_valid_need_keeps_its_iod_description_and_its_aptitudes_without_repeats():
    need = PublishNeed(**NEED)
    assert need.required_aptitudes == ["handling", "teamwork"]
    assert need.duration_months is None and need.positions == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"tasks": []}, "tasks"),
        ({"weekly_hours": 0}, "weekly_hours"),
        ({"weekly_hours": 49}, "weekly_hours"),
        ({"time_slots": []}, "time_slots"),
        ({"positions": 0}, "positions"),
        ({"commune_code": "75056"}, "commune_code"),
        ({"working_conditions": ["juggling"]}, "working_conditions.0"),
        ({"contract_type": "cdd"}, "duration_months"),
        ({"contract_type": "cdi", "duration_months": 12}, "duration_months"),
    ],
)
def test_an_invalid_need_is_refused_with_the_field(change, field):
    with pytest.raises(ValidationError) as raised:
        PublishNeed(**{**NEED, **change})
    assert field in _errors(raised)


def test_a_fixed_term_need_states_its_duration():
    assert PublishNeed(**{**NEED, "contract_type": "temp_mission", "duration_months": 3}).duration_months == 3


def test_an_employer_must_be_in_the_department():
    with pytest.raises(ValidationError) as raised:
        RegisterEmployer(siret="73282932000074", name="X", size="tpe", sector="G", commune_code="75056")
    assert "n'est pas une commune de Seine-Saint-Denis" in _errors(raised)["commune_code"]


def test_a_hire_on_a_fixed_term_contract_requires_its_duration():
    with pytest.raises(ValidationError) as raised:
        RecordOutcome(outcome="hired", contract_type="cdd", weekly_hours=24, start_date=date(2026, 3, 2))
    assert _errors(raised) == {
        "duration_months": "Value error, un cdd est à durée déterminée : indiquez sa durée en mois"
    }


def test_a_hire_requires_contract_hours_and_start():
    with pytest.raises(ValidationError) as raised:
        RecordOutcome(outcome="hired")
    assert set(_errors(raised)) == {"contract_type", "weekly_hours", "start_date"}


def test_a_permanent_hire_has_no_duration():
    with pytest.raises(ValidationError) as raised:
        RecordOutcome(
            outcome="hired", contract_type="cdi", duration_months=6, weekly_hours=35, start_date=date(2026, 3, 2)
        )
    assert "durée indéterminée" in _errors(raised)["duration_months"]


def test_a_not_hired_outcome_needs_a_reason():
    with pytest.raises(ValidationError) as raised:
        RecordOutcome(outcome="not_hired")
    assert _errors(raised) == {"reason": "Value error, une issue sans embauche doit être motivée (reason)"}
    assert RecordOutcome(outcome="not_hired", reason="no_show").reason == "no_show"


def test_a_not_hired_outcome_carries_no_contract():
    with pytest.raises(ValidationError) as raised:
        RecordOutcome(outcome="not_hired", reason="no_show", contract_type="cdi")
    assert _errors(raised) == {"contract_type": "Value error, seulement pour une embauche"}


@pytest.mark.parametrize("month", [0, 2, 4, 12])
def test_check_ins_happen_only_at_one_three_or_six_months(month):
    with pytest.raises(ValidationError) as raised:
        RecordCheckIn(month=month, checked_on=date(2026, 4, 2), still_employed=True)
    assert "month" in _errors(raised)


def test_notes_are_free_text_kept_by_placement_so_the_command_takes_them_as_typed():
    # Notes never reach an event (they are encrypted per owner): a filter would only refuse legitimate notes.
    notes = "call her on 06 12 34 56 78"
    assert RecordCheckIn(month=1, checked_on=date(2026, 4, 2), still_employed=True, notes=notes).notes == notes


def test_barriers_worked_on_and_sectors_are_codes_and_an_unknown_one_lists_the_valid_ones():
    with pytest.raises(ValidationError) as raised:
        RecordCheckIn(month=1, checked_on=date(2026, 4, 2), still_employed=True, barriers_worked_on=["childcare"])
    assert "'mobility'" in _errors(raised)["barriers_worked_on.0"] and "'self_esteem'" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        RecordEmployerContact(contact_date=date(2026, 1, 5), kind="visit", caseworker="Jean Dupont")
    assert "caseworker" in _errors(raised)


def _immersion(**period) -> AgreeImmersion:
    return AgreeImmersion(beneficiary_id=uuid.uuid4(), host_kind="training_centre", host_name="AFPA", **period)


def test_an_immersion_counts_every_calendar_day_between_start_and_end_by_default():
    immersion = _immersion(start_date=date(2026, 3, 2), end_date=date(2026, 3, 31))
    assert immersion.days_of_presence == 30 and immersion.last_day == date(2026, 3, 31)


def test_an_immersion_over_thirty_days_of_presence_is_refused():
    with pytest.raises(ValidationError) as raised:
        _immersion(start_date=date(2026, 3, 1), end_date=date(2026, 3, 31))
    assert _errors(raised) == {
        "days_of_presence": "Value error, une immersion compte au plus 30 jours de présence ; 31 indiqués"
    }


def test_days_of_presence_within_a_longer_span_are_accepted():
    immersion = _immersion(start_date=date(2026, 3, 2), end_date=date(2026, 4, 24), days_of_presence=30)
    assert immersion.days_of_presence == 30


def test_days_of_presence_cannot_exceed_the_calendar_days():
    with pytest.raises(ValidationError) as raised:
        _immersion(start_date=date(2026, 3, 2), end_date=date(2026, 3, 6), days_of_presence=6)
    assert "ne tiennent pas" in _errors(raised)["days_of_presence"]


def test_presence_dates_are_counted_once_each():
    days = [date(2026, 3, d) for d in (2, 3, 3, 5, 9)]
    immersion = _immersion(presence_dates=days)
    assert immersion.days_of_presence == 4
    assert (immersion.first_day, immersion.last_day) == (date(2026, 3, 2), date(2026, 3, 9))


def test_more_than_thirty_presence_dates_are_refused():
    days = [date(2026, 3, 1).fromordinal(date(2026, 3, 1).toordinal() + i) for i in range(31)]
    with pytest.raises(ValidationError) as raised:
        _immersion(presence_dates=days)
    assert "au plus 30 jours" in _errors(raised)["presence_dates"]


def test_a_renewal_is_also_limited_to_thirty_days():
    with pytest.raises(ValidationError) as raised:
        RenewImmersion(start_date=date(2026, 4, 1), end_date=date(2026, 5, 5))
    assert "au plus 30 jours" in _errors(raised)["days_of_presence"]


def test_an_immersion_with_an_employer_names_it():
    with pytest.raises(ValidationError) as raised:
        AgreeImmersion(
            beneficiary_id=uuid.uuid4(), host_kind="employer", start_date=date(2026, 3, 2), end_date=date(2026, 3, 6)
        )
    assert _errors(raised) == {"employer_id": "Value error, obligatoire quand l'accueil se fait chez un employeur"}
