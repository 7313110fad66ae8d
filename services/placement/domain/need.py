"""The need aggregate: an employer's field need, published, then filled or closed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from services.placement.domain.commands import CloseNeed, PublishNeed
from services.placement.domain.employer import Employer
from services.placement.domain.errors import EmployerNotFound, InvalidInput, NeedNotFound, NeedNotOpen
from shared.aggregate import Aggregate
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import NeedClosed, NeedFilled, NeedPublished, PlacementEvent, WorkingCondition


class NeedStatus(StrEnum):
    """Where a need stands."""

    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


@dataclass(frozen=True)
class Need:
    """State of one need, rebuilt from its events."""

    id: UUID
    employer_id: UUID
    agency_id: str
    title: str
    sector: str
    tasks: tuple[str, ...]
    weekly_hours: float
    time_slots: tuple[TimeSlot, ...]
    commune_code: str
    required_aptitudes: tuple[str, ...]
    working_conditions: tuple[WorkingCondition, ...]
    contract_type: ContractType
    duration_months: float | None
    positions: int
    published_on: date
    status: NeedStatus = NeedStatus.OPEN
    ended_on: date | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        """True while people can still be introduced for it."""
        return self.status == NeedStatus.OPEN


def apply(state: Need | None, event: PlacementEvent) -> Need:
    """Fold one event into the state."""
    match event:
        case NeedPublished():
            return Need(
                id=event.need_id,
                employer_id=event.employer_id,
                agency_id=event.agency_id,
                title=event.title,
                sector=event.sector,
                tasks=tuple(event.tasks),
                weekly_hours=event.weekly_hours,
                time_slots=tuple(event.time_slots),
                commune_code=event.commune_code,
                required_aptitudes=tuple(event.required_aptitudes),
                working_conditions=tuple(event.working_conditions),
                contract_type=event.contract_type,
                duration_months=event.duration_months,
                positions=event.positions,
                published_on=event.published_on,
                version=1,
            )
        case NeedFilled():
            return replace(state, status=NeedStatus.FILLED, ended_on=event.filled_on, version=state.version + 1)
        case NeedClosed():
            return replace(state, status=NeedStatus.CLOSED, ended_on=event.closed_on, version=state.version + 1)
    raise TypeError(f"unhandled event {type(event).__name__}")


def publish(
    need_id: UUID, command: PublishNeed, *, employer: Employer | None, agency_id: str | None, today: date
) -> list[NeedPublished]:
    """Publish a need of a registered employer; place and sector default to the employer's."""
    if employer is None:
        raise EmployerNotFound(f"no employer {command.employer_id}")
    if agency_id is None:
        raise InvalidInput("agency_id", "name the agency handling this need")
    published_on = command.published_on or today
    if published_on > today:
        raise InvalidInput("published_on", f"{published_on} is in the future")
    return [
        NeedPublished(
            need_id=need_id,
            employer_id=employer.id,
            agency_id=agency_id,
            title=command.title,
            sector=command.sector or employer.sector,
            tasks=command.tasks,
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
        raise NeedNotFound("no such need")
    if not state.is_open:
        raise NeedNotOpen(f"this need is already {state.status} (since {state.ended_on})")
    if on < state.published_on:
        raise InvalidInput(field, f"{on} is before the need was published ({state.published_on})")
    if on > today:
        raise InvalidInput(field, f"{on} is in the future")
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


# Streams `need-<id>`, keyed by the employer, so that its needs and registration stay in order.
NEED: Aggregate[Need] = Aggregate("need", apply, partition_key=lambda s: s.employer_id)
