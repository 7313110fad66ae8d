"""Employer registration and contacts, need publication, filling and closure."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.placement.domain.commands import CloseNeed, RecordEmployerContact, RegisterEmployer
from services.placement.domain.decisions import employers, needs
from services.placement.domain.errors import EmployerNotFound, NeedNotFound, NeedNotOpen
from services.placement.domain.evolution import apply_employer, apply_need
from services.placement.domain.siret import InvalidSiret
from services.placement.domain.state import Employer, Need
from shared.contracts.placement import EmployerAssignedToAgency, EmployerRegistered, NeedClosureReason
from shared.errors import InvalidField
from shared.private_text import text_ref
from tests.builders import need_publication

TODAY = date(2026, 2, 10)


CW1 = uuid.uuid4()


def _registration(siret: str = "73282932000074") -> RegisterEmployer:
    return RegisterEmployer(siret=siret, name="Boulangerie du Marché", size="tpe", sector="G", commune_code="93027")


def _employer() -> Employer:
    state = None
    for event in employers.register(uuid.uuid4(), _registration(), "ali-la-courneuve", TODAY):
        state = apply_employer(state, event)
    return state


def _need(employer_state: Employer | None = None, **changes) -> Need:
    owner = employer_state or _employer()
    command = need_publication(owner.id, **({"title": "shelf stacker", "tasks": ["stacking shelves"]} | changes))
    [published] = needs.publish(uuid.uuid4(), command, employer=owner, agency_id="ali-la-courneuve", today=TODAY)
    return apply_need(None, published)


def test_registering_an_employer_records_it_and_the_agency_following_it():
    events = employers.register(uuid.uuid4(), _registration(), "ali-la-courneuve", TODAY)
    assert [type(e) for e in events] == [EmployerRegistered, EmployerAssignedToAgency]
    state = _employer()
    assert (state.agency_id, state.siret, state.version) == ("ali-la-courneuve", "73282932000074", 2)


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "732829320000AB"])
def test_an_employer_with_an_invalid_siret_is_refused(siret):
    with pytest.raises(InvalidSiret):
        employers.register(uuid.uuid4(), _registration(siret), "ali-la-courneuve", TODAY)


def test_the_siret_is_checked_before_the_agency_is_asked_for():
    with pytest.raises(InvalidSiret, match="clé de contrôle"):
        employers.register(uuid.uuid4(), _registration("73282932000075"), None, TODAY)
    with pytest.raises(InvalidField, match="agency_id"):
        employers.register(uuid.uuid4(), _registration(), None, TODAY)


def test_a_contact_is_counted_and_dated_on_the_employer():
    state = _employer()
    command = RecordEmployerContact(contact_date=date(2026, 2, 3), kind="visit", notes="Two posts in March.")
    [event] = employers.record_contact(
        state, uuid.uuid4(), command, agency_id="ali-stains", caseworker=CW1, today=TODAY
    )
    state = apply_employer(state, event)
    assert (event.agency_id, event.caseworker, event.kind) == ("ali-stains", CW1, "visit")
    assert event.notes_ref == text_ref(event.contact_id, "notes") and "posts" not in event.model_dump_json()
    assert (state.contacts, state.last_contact_on) == (1, date(2026, 2, 3))


def test_a_contact_cannot_be_dated_in_the_future_or_recorded_on_an_unknown_employer():
    command = RecordEmployerContact(contact_date=date(2026, 2, 11), kind="phone")
    with pytest.raises(InvalidField, match="contact_date"):
        employers.record_contact(_employer(), uuid.uuid4(), command, agency_id="a", caseworker=CW1, today=TODAY)
    with pytest.raises(EmployerNotFound):
        employers.record_contact(None, uuid.uuid4(), command, agency_id="a", caseworker=CW1, today=TODAY)


def test_a_need_takes_place_and_sector_from_its_employer_by_default():
    state = _need()
    assert (state.commune_code, state.sector, state.status, state.published_on) == (
        "93027",
        "G",
        "open",
        TODAY,
    )


def test_a_need_of_an_unknown_employer_is_refused():
    command = need_publication(uuid.uuid4())
    with pytest.raises(EmployerNotFound):
        needs.publish(uuid.uuid4(), command, employer=None, agency_id="ali-stains", today=TODAY)


def test_a_need_cannot_be_published_in_the_future():
    with pytest.raises(InvalidField, match="published_on"):
        _need(published_on=date(2026, 3, 1))


def test_a_filled_need_cannot_be_filled_or_closed_again():
    state = _need()
    [filled] = needs.fill(state, TODAY, 1, TODAY)
    state = apply_need(state, filled)
    assert (state.status, state.ended_on, filled.positions_filled) == ("filled", TODAY, 1)
    with pytest.raises(NeedNotOpen):
        needs.fill(state, TODAY, 1, TODAY)
    with pytest.raises(NeedNotOpen):
        needs.close(state, CloseNeed(reason="expired"), TODAY)


def test_closing_a_need_records_the_reason_and_not_before_its_publication():
    state = _need(published_on=date(2026, 2, 1))
    with pytest.raises(InvalidField, match="closed_on"):
        needs.close(state, CloseNeed(reason="expired", closed_on=date(2026, 1, 31)), TODAY)
    [closed] = needs.close(state, CloseNeed(reason="cancelled_by_employer"), TODAY)
    assert closed.reason == NeedClosureReason.CANCELLED_BY_EMPLOYER and closed.closed_on == TODAY
    assert apply_need(state, closed).status == "closed"


def test_filling_an_unknown_need_is_not_found():
    with pytest.raises(NeedNotFound):
        needs.fill(None, TODAY, 0, TODAY)
