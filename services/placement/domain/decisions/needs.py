"""Decisions on needs: an employer's field need is published, then filled or closed."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.placement.domain.commands import (
    CloseNeed,
    PublishNeed,
)
from services.placement.domain.decisions.dates import past
from services.placement.domain.errors import (
    EmployerNotFound,
    NeedNotFound,
    NeedNotOpen,
)
from services.placement.domain.state import Employer, Need
from shared.contracts.placement import (
    NeedClosed,
    NeedFilled,
    NeedPublished,
)
from shared.errors import InvalidField
from shared.private_text import text_ref


def publish(
    need_id: UUID, command: PublishNeed, *, employer: Employer | None, agency_id: str | None, today: date
) -> list[NeedPublished]:
    """Publish a need of a registered employer; place and sector default to the employer's."""
    if employer is None:
        raise EmployerNotFound(f"aucun employeur {command.employer_id}")
    if agency_id is None:
        raise InvalidField("agency_id", "indiquez l'agence qui traite ce besoin")
    published_on = past("published_on", command.published_on or today, today)
    return [
        NeedPublished(
            need_id=need_id,
            employer_id=employer.id,
            agency_id=agency_id,
            title_ref=text_ref(need_id, "title"),
            sector=command.sector or employer.sector,
            tasks_ref=text_ref(need_id, "tasks"),
            weekly_hours=command.weekly_hours,
            time_slots=command.time_slots,
            commune_code=command.commune_code or employer.commune_code,
            required_aptitudes=command.required_aptitudes,
            working_conditions=command.working_conditions,
            contract_type=command.contract_type,
            duration_months=command.duration_months,
            positions=command.positions,
            published_on=published_on,
        )
    ]


def _open(state: Need | None, field: str, on: date, today: date) -> Need:
    if state is None:
        raise NeedNotFound("aucun besoin ne porte cet identifiant")
    if not state.is_open:
        raise NeedNotOpen(f"ce besoin est déjà {state.status} (depuis le {state.ended_on})")
    if on < state.published_on:
        raise InvalidField(field, f"{on} is before the need was published ({state.published_on})")
    if on > today:
        raise InvalidField(field, f"{on} is in the future")
    return state


def fill(state: Need | None, filled_on: date, positions_filled: int, today: date) -> list[NeedFilled]:
    """Every position is taken: the need leaves the list of open needs."""
    need = _open(state, "filled_on", filled_on, today)
    return [
        NeedFilled(
            need_id=need.id,
            employer_id=need.employer_id,
            agency_id=need.agency_id,
            filled_on=filled_on,
            positions_filled=positions_filled,
        )
    ]


def close(state: Need | None, command: CloseNeed, today: date) -> list[NeedClosed]:
    """Withdraw an open need, with the reason."""
    closed_on = command.closed_on or today
    need = _open(state, "closed_on", closed_on, today)
    return [
        NeedClosed(
            need_id=need.id,
            employer_id=need.employer_id,
            agency_id=need.agency_id,
            closed_on=closed_on,
            reason=command.reason,
        )
    ]
