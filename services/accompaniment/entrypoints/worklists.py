"""Worklists: the accompaniments that need attention, per agency and referent."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.accompaniment.domain import worklist
from services.accompaniment.domain.decisions.engagement import contract_deadline
from services.accompaniment.entrypoints.dependencies import DependenciesDep
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.auth import CurrentUser, Principal
from shared.contracts import labels
from shared.exports import CSV_TYPE, XLSX_TYPE, Table, csv_bytes, filename, xlsx_bytes
from shared.http.params import AgencyId, AsOf, Limit, Offset
from shared.staff import staff_id

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


HEADERS = [
    "Accompagnement",
    "Bénéficiaire",
    "Agence",
    "Référent",
    "Statut",
    "Fin prévue",
    "Jours avant la fin prévue",
    "Dernier contact",
    "Jours sans contact",
    "Échéance du contrat",
    "Contrat signé le",
    "Motifs",
]
# A page is answered as JSON written by orjson from plain dicts of the read model's typed columns (ids read as text):
# `WorklistEntry` documents it. Building a model per entry and having pydantic serialise it took most of the
# request's time.
Referent = Annotated[str | None, Query(max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")]


@router.get(
    "/worklists",
    response_model=list[WorklistEntry],
    responses={200: {"headers": {"Link": {"description": 'The next page (`rel="next"`), when there is one.'}}}},
)
async def get_worklist(
    request: Request,
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    referent: Referent = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Accompaniments ending soon, without recent contact, or whose contract was not signed in time, soonest
    planned end first, a page at a time (`limit`, `offset`): when more follow, the `Link` header gives the next
    page (`rel="next"`). The CSV and XLSX exports hold the whole list."""
    as_of = as_of or date.today()
    scope = user.scope(agency_id)

    async def page() -> tuple[bytes, bool]:
        entries = await _worklist(user, deps, scope, referent, as_of, limit=limit + 1, offset=offset)
        return orjson.dumps(entries[:limit]), len(entries) > limit

    key = (scope, referent, as_of, limit, offset)
    body, more = await (deps.worklist_pages.get(key, page) if deps.worklist_pages is not None else page())
    headers = {}
    if more:
        following = request.url.include_query_params(limit=limit, offset=offset + limit)
        headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return Response(body, media_type="application/json", headers=headers)


def _table(entries: list[dict[str, Any]]) -> Table:
    rows = [
        [
            e["accompaniment_id"],
            e["beneficiary_id"],
            e["agency_id"],
            e["referent_id"],
            labels.label(labels.ACCOMPANIMENT_STATUSES, e["status"]),
            e["planned_end_date"],
            e["days_to_planned_end"],
            e["last_contact_on"],
            e["days_without_contact"],
            e["contract_deadline"],
            e["contract_signed_on"],
            ", ".join(labels.label(labels.WORKLIST_REASONS, r) for r in e["reasons"]),
        ]
        for e in entries
    ]
    return Table("Liste de suivi", HEADERS, rows)


def _download(content: bytes, media_type: str, extension: str) -> Response:
    name = filename(f"liste-de-suivi-{date.today().isoformat()}", extension)
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/worklists.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV (;, UTF-8 BOM)."}},
)
async def get_worklist_csv(
    user: CurrentUser, deps: DependenciesDep, agency_id: AgencyId = None, referent: Referent = None, as_of: AsOf = None
) -> Response:
    """The worklist as CSV for a French spreadsheet (`;`, UTF-8 with BOM, French headers and reasons)."""
    entries = await _worklist(user, deps, agency_id, referent, as_of)
    return _download(csv_bytes(_table(entries)), CSV_TYPE, "csv")


@router.get(
    "/worklists.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def get_worklist_xlsx(
    user: CurrentUser, deps: DependenciesDep, agency_id: AgencyId = None, referent: Referent = None, as_of: AsOf = None
) -> Response:
    """The worklist as an XLSX workbook (French headers and reasons)."""
    entries = await _worklist(user, deps, agency_id, referent, as_of)
    return _download(xlsx_bytes(_table(entries)), XLSX_TYPE, "xlsx")


@lru_cache(maxsize=4096)
def _referent(stored: str) -> str:
    # Rows written before staff were uuids hold the referent's login: shown as the uuid events now carry.
    return str(staff_id(stored))


async def _worklist(
    user: Principal,
    deps: Dependencies,
    agency_id: str | None,
    referent: str | None,
    as_of: date | None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The entries of the worklist (a page with `limit`), as `WorklistEntry` describes them."""
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
            limit=limit,
            offset=offset,
        )
    review = worklist.Review.of(as_of, deps.thresholds, deps.rules)
    entries = []
    for row in rows:
        accompaniment_id, beneficiary_id, agency, referent_id, status, start, orientation, end, contact, signed = row
        reasons = review.reasons(status, start, orientation, end, contact, signed)
        if not reasons:  # the query selects what the reasons name: none is left out here
            continue
        entries.append(
            {
                "accompaniment_id": accompaniment_id,
                "beneficiary_id": beneficiary_id,
                "agency_id": agency,
                "referent_id": _referent(referent_id) if referent_id is not None else None,
                "status": status,
                "planned_end_date": end,
                "days_to_planned_end": (end - as_of).days,
                "last_contact_on": contact,
                "days_without_contact": (as_of - (contact or start)).days,
                "contract_deadline": contract_deadline(orientation, deps.rules),
                "contract_signed_on": signed,
                "reasons": reasons,
            }
        )
    return entries
