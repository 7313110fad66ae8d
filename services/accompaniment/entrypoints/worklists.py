"""Worklists: the accompaniments that need attention, per agency and referent."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.accompaniment.domain import worklist
from services.accompaniment.domain.decisions.engagement import contract_deadline
from services.accompaniment.entrypoints.dependencies import DependenciesDep
from shared.auth import CurrentUser

router = APIRouter(tags=["worklists"])


class WorklistEntry(BaseModel):
    """An accompaniment that needs attention, and why."""

    accompaniment_id: UUID
    beneficiary_id: UUID
    agency_id: str
    referent_id: UUID | None
    status: str
    planned_end_date: date
    days_to_planned_end: int
    last_contact_on: date | None
    days_without_contact: int
    contract_deadline: date
    contract_signed_on: date | None
    reasons: list[worklist.Reason]


@router.get("/worklists", response_model=list[WorklistEntry])
async def get_worklist(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: str | None = None,
    referent: UUID | None = None,
    as_of: date | None = None,
) -> list[WorklistEntry]:
    """Accompaniments ending soon, without recent contact, or whose contract was not signed in time."""
    as_of = as_of or date.today()
    async with deps.store.connection() as conn:
        rows = await deps.accompaniments.worklist_candidates(
            conn,
            as_of=as_of,
            agency_id=user.scope(agency_id),
            referent_id=referent,
            ending_within_days=deps.thresholds.ending_within_days,
            no_contact_days=deps.thresholds.no_contact_days,
            contract_deadline_days=deps.rules.contract_deadline_days,
        )
    entries = []
    for row in rows:
        item = worklist.FollowUp(
            accompaniment_id=row["accompaniment_id"],
            status=row["status"],
            start_date=row["start_date"],
            orientation_date=row["orientation_date"],
            planned_end_date=row["planned_end_date"],
            last_contact_on=row["last_contact_on"],
            contract_signed_on=row["contract_signed_on"],
        )
        reasons = worklist.reasons(item, as_of, deps.thresholds, deps.rules)
        if not reasons:
            continue
        entries.append(
            WorklistEntry(
                accompaniment_id=row["accompaniment_id"],
                beneficiary_id=row["beneficiary_id"],
                agency_id=row["agency_id"],
                referent_id=row["referent_id"],
                status=row["status"],
                planned_end_date=row["planned_end_date"],
                days_to_planned_end=(row["planned_end_date"] - as_of).days,
                last_contact_on=row["last_contact_on"],
                days_without_contact=(as_of - (row["last_contact_on"] or row["start_date"])).days,
                contract_deadline=contract_deadline(row["orientation_date"], deps.rules),
                contract_signed_on=row["contract_signed_on"],
                reasons=reasons,
            )
        )
    return entries
