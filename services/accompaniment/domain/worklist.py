"""Worklists: accompaniments that need the caseworker's attention, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from services.accompaniment.domain.decisions.engagement import contract_deadline
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


def reasons(item: FollowUp, as_of: date, thresholds: Thresholds, rules: Rules) -> list[Reason]:
    """Why `item` needs attention on `as_of`: end within the threshold (or past), no contact, contract late."""
    if item.status == "closed":
        return []
    found = []
    if item.planned_end_date <= as_of + timedelta(days=thresholds.ending_within_days):
        found.append(Reason.ENDING_SOON)
    # A suspended accompaniment has no contact on purpose.
    last_contact = item.last_contact_on or item.start_date
    if item.status != "suspended" and (as_of - last_contact).days >= thresholds.no_contact_days:
        found.append(Reason.NO_RECENT_CONTACT)
    if item.contract_signed_on is None and as_of > contract_deadline(item.orientation_date, rules):
        found.append(Reason.CONTRACT_NOT_SIGNED_IN_TIME)
    return found
