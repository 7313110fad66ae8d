"""State of placement's aggregates, each folded from its stream: employer, need, introduction (and hire), immersion.

Plain frozen records; how each one evolves with its events is in `evolution`, what may happen next in `decisions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from services.placement.domain.commands import (
    PERMANENT_CONTRACTS,
    OutcomeKind,
)
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import (
    EarlyEndReason,
    EmployerSize,
    ImmersionHost,
    ImmersionOutcome,
    NotHiredReason,
    WorkingCondition,
)
from shared.contracts.referentials import Aptitude, Sector
from shared.dates import add_months
from shared.private_text import text_ref


@dataclass(frozen=True)
class Employer:
    """State of one employer, rebuilt from its events."""

    id: UUID
    siret: str
    name_ref: UUID
    size: EmployerSize
    sector: Sector | None
    social_economy: bool
    siae: bool
    commune_code: str
    agency_id: str | None = None
    contacts: int = 0
    last_contact_on: date | None = None
    version: int = 0


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
    title_ref: UUID
    sector: Sector | None
    tasks_ref: UUID
    weekly_hours: float
    time_slots: tuple[TimeSlot, ...]
    commune_code: str
    required_aptitudes: tuple[Aptitude, ...]
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


@dataclass(frozen=True)
class Move:
    """A person's records moved to another agency with them, from a date."""

    on: date
    from_agency_id: str
    to_agency_id: str


def agency_on(current: str, moves: tuple[Move, ...], day: date) -> str:
    """The agency that followed the person on `day`, given the moves of a record (current: the last one's)."""
    agency = moves[0].from_agency_id if moves else current
    for move in moves:
        if move.on <= day:
            agency = move.to_agency_id
    return agency


@dataclass(frozen=True)
class Hire:
    """The contract an introduction ended in, and its follow-up."""

    id: UUID
    contract_type: ContractType
    duration_months: float | None
    weekly_hours: float
    start_date: date
    check_ins: dict[int, bool] = field(default_factory=dict)
    ended_on: date | None = None
    end_reason: EarlyEndReason | None = None

    def notes_ref(self, month: int) -> UUID:
        """The reference of the notes of the check-in of this month (kept encrypted with the person's key)."""
        return text_ref(self.id, f"check_in_{month}_notes")

    @property
    def planned_end(self) -> date | None:
        """Term of a fixed-term contract."""
        if self.duration_months is None or self.contract_type in PERMANENT_CONTRACTS:
            return None
        return add_months(self.start_date, self.duration_months)


@dataclass(frozen=True)
class Introduction:
    """State of one introduction, rebuilt from its events."""

    id: UUID
    need_id: UUID
    employer_id: UUID
    beneficiary_id: UUID
    agency_id: str
    sector: Sector | None
    introduced_on: date
    caseworker: UUID
    outcome: OutcomeKind | None = None
    decided_on: date | None = None
    not_hired_reason: NotHiredReason | None = None
    hire: Hire | None = None
    moves: tuple[Move, ...] = ()
    version: int = 0

    def agency_on(self, day: date) -> str:
        """The agency that followed the person on `day`: the one a fact of that day is recorded for."""
        return agency_on(self.agency_id, self.moves, day)


@dataclass(frozen=True)
class Period:
    """Days of presence between two dates."""

    start_date: date
    end_date: date
    days_of_presence: int


@dataclass(frozen=True)
class Immersion:
    """State of one immersion, rebuilt from its events."""

    id: UUID
    beneficiary_id: UUID
    agency_id: str
    host_kind: ImmersionHost
    employer_id: UUID | None
    host_name_ref: UUID | None
    sector: Sector | None
    periods: tuple[Period, ...]
    outcome: ImmersionOutcome | None = None
    completed_on: date | None = None
    host_index: str | None = None  # training centres: keyed fingerprint of the name
    moves: tuple[Move, ...] = ()
    version: int = 0

    def agency_on(self, day: date) -> str:
        """The agency that followed the person on `day`: the one a fact of that day is recorded for."""
        return agency_on(self.agency_id, self.moves, day)

    @property
    def renewed(self) -> bool:
        """True once the single renewal was used."""
        return len(self.periods) > 1

    @property
    def end_date(self) -> date:
        """Last day of the current period."""
        return self.periods[-1].end_date

    @property
    def days_of_presence(self) -> int:
        """Days of presence over every period."""
        return sum(p.days_of_presence for p in self.periods)

    @property
    def host_key(self) -> str:
        """Who hosts: the employer of the network, or the training centre by the fingerprint of its name."""
        return host_key(self.employer_id, self.host_index)


def host_key(employer_id: UUID | None, host_index: str | None) -> str:
    """The same host whatever the immersion: an employer by its id, a training centre by the keyed fingerprint of
    its name (`Dependencies.centre_index`: any case, any spacing)."""
    if employer_id is not None:
        return f"employer:{employer_id}"
    return f"centre:{host_index or ''}"
