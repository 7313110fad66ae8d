"""Worklists: accompaniments that need the caseworker's attention, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from services.accompaniment.domain.rules import Rules


class Reason(StrEnum):
    """Why an accompaniment is on the worklist."""

    ENDING_SOON = "ending_soon"
    NO_RECENT_CONTACT = "no_recent_contact"
    CONTRACT_NOT_SIGNED_IN_TIME = "contract_not_signed_in_time"


@dataclass(frozen=True)
class FollowUp:
    """What the worklist looks at in one accompaniment (a row of the read model)."""

    accompaniment_id: UUID
    status: str
    start_date: date
    orientation_date: date
    planned_end_date: date
    last_contact_on: date | None = None
    contract_signed_on: date | None = None


@dataclass(frozen=True)
class Thresholds:
    """Department settings of the worklists."""

    ending_within_days: int = 30
    no_contact_days: int = 60


@dataclass(frozen=True)
class Review:
    """The worklist of one day: the dates each accompaniment is compared with, computed once for a whole list."""

    as_of: date
    ending_by: date  # a planned end on or before this day is soon (or past)
    contact_due: date  # a last contact on or before this day is too old
    contract_due_before: date  # an unsigned contract whose orientation is before this day is late

    @classmethod
    def of(cls, as_of: date, thresholds: Thresholds, rules: Rules) -> Review:
        """The review on `as_of` with the department's thresholds and rules."""
        return cls(
            as_of=as_of,
            ending_by=as_of + timedelta(days=thresholds.ending_within_days),
            contact_due=as_of - timedelta(days=thresholds.no_contact_days),
            # as_of > contract_deadline(orientation) <=> orientation < as_of - contract_deadline_days
            contract_due_before=as_of - timedelta(days=rules.contract_deadline_days),
        )

    def reasons(
        self,
        status: str,
        start_date: date,
        orientation_date: date,
        planned_end_date: date,
        last_contact_on: date | None,
        contract_signed_on: date | None,
    ) -> list[Reason]:
        """Why an accompaniment needs attention: end within the threshold (or past), no contact, contract late."""
        if status == "closed":
            return []
        found = []
        if planned_end_date <= self.ending_by:
            found.append(Reason.ENDING_SOON)
        # A suspended accompaniment has no contact on purpose.
        if status != "suspended" and (last_contact_on or start_date) <= self.contact_due:
            found.append(Reason.NO_RECENT_CONTACT)
        if contract_signed_on is None and orientation_date < self.contract_due_before:
            found.append(Reason.CONTRACT_NOT_SIGNED_IN_TIME)
        return found


def reasons(item: FollowUp, as_of: date, thresholds: Thresholds, rules: Rules) -> list[Reason]:
    """Why `item` needs attention on `as_of`: end within the threshold (or past), no contact, contract late."""
    return Review.of(as_of, thresholds, rules).reasons(
        item.status,
        item.start_date,
        item.orientation_date,
        item.planned_end_date,
        item.last_contact_on,
        item.contract_signed_on,
    )
