"""Routes of referrals: one person, or the department's monthly file."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from services.intake.adapters.referral_csv import COLUMNS, REQUIRED
from services.intake.domain.commands import ReferBeneficiary
from services.intake.entrypoints.dependencies import DependenciesDep, SettingsDep
from services.intake.entrypoints.responses import ReferralAnswer
from services.intake.service_layer.imports import ImportReport, import_referrals
from services.intake.service_layer.referrals import refer_beneficiary
from shared.auth import CurrentUser, Role
from shared.contracts.referentials import ReferralSource
from shared.errors import Forbidden
from shared.problems import errors

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.post(
    "",
    response_model=ReferralAnswer,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The person was already known: the existing beneficiary.", "model": ReferralAnswer},
        **errors(401, 403, 422),
    },
)
async def refer(cmd: ReferBeneficiary, user: CurrentUser, deps: DependenciesDep, response: Response) -> ReferralAnswer:
    """Refer a person; enrols them in the ALI of their commune, or answers with the beneficiary already known."""
    outcome = await refer_beneficiary(cmd, user, deps=deps, today=date.today())
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return ReferralAnswer(beneficiary_id=outcome.beneficiary_id, agency_id=outcome.agency_id, created=outcome.created)


_SAMPLE = (
    "last_name;first_name;birth_date;nir;allocataire_number;allocataire_role;address;commune_code;phone;email;"
    "household_type;children;orientation_date;referral_source\n"
    "Diallo;Aminata;12/04/1988;2 88 04 75 112 045 19;1234567;demandeur;12 rue de la Convention;93027;0601020304;"
    ";single_parent;2;20/11/2026;caf_monthly_list\n"
    "Martin;Karim;1979-02-03;;7654321;conjoint;;93014;;;couple_with_children;3;2026-11-18;\n"
)
_COLUMNS_DOC = "\n".join(f"- `{name}`: {what}" for name, what in COLUMNS.items())


@router.post(
    "/import",
    response_model=ImportReport,
    responses=errors(401, 403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The referral file, UTF-8 or Latin-1/Windows-1252, `;` or `,` separated.",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": _SAMPLE}},
        }
    },
    description=(
        "Import the department's monthly referral file (admin: the department's integration). Send the file as the"
        " request body (`curl --data-binary @referrals.csv -H 'content-type: text/csv'`).\n\n"
        "The first line names the columns, in any order (French names such as `nom`, `prenom`, `date_naissance`,"
        f" `code_insee`, `date_orientation` are understood too); required: {', '.join(REQUIRED)}. Columns:\n\n"
        f"{_COLUMNS_DOC}\n\n"
        "Dates are `YYYY-MM-DD` or `DD/MM/YYYY`; an empty cell is an absent value; a row is one line. Every row is"
        " reported: created, duplicate (with the existing beneficiary) or rejected (with its line and reason). A bad"
        " row never stops the others, a row is written completely or not at all, and importing the same file again"
        " creates nothing."
    ),
)
async def import_file(
    request: Request,
    user: CurrentUser,
    deps: DependenciesDep,
    settings: SettingsDep,
    source: Annotated[
        ReferralSource, Query(description="Referral source of rows that name none (referential `referral_sources`).")
    ] = ReferralSource.DEPARTMENT_IMPORT,
) -> ImportReport:
    """Import a referral file and report on every row."""
    if user.role != Role.ADMIN:
        raise Forbidden("only the department's integration (admin) imports referral files")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > settings.intake_import_max_bytes:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "the file is larger than the import limit")
    data = bytearray()
    async for part in request.stream():
        data += part
        if len(data) > settings.intake_import_max_bytes:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "the file is larger than the import limit")
    return await import_referrals(
        bytes(data),
        deps=deps,
        today=date.today(),
        source=source,
        chunk_size=settings.intake_import_chunk_size,
    )
