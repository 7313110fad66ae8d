"""Routes of referrals: one person, or a source's file (CSV, XLSX, the CAF/MSA flow), and the import reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from services.intake.adapters.report_files import report_csv, report_xlsx
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.errors import ImportReportNotFound
from services.intake.entrypoints.dependencies import DependenciesDep, SettingsDep
from services.intake.entrypoints.responses import ReferralAnswer
from services.intake.service_layer import profiles
from services.intake.service_layer.imports import PREVIEW_ROWS, dry_run, import_referrals
from services.intake.service_layer.referrals import refer_beneficiary
from services.intake.service_layer.reports import DryRunReport, ImportReport
from shared.audit import AuditDep
from shared.auth import CurrentUser, Principal, Role
from shared.contracts.referentials import ReferralSource
from shared.errors import Forbidden
from shared.problems import errors

router = APIRouter(tags=["referrals"])
# File imports take bodies up to the import limit (settings), other routes the service's default.
imports = APIRouter(tags=["referrals"])


@router.post(
    "/referrals",
    response_model=ReferralAnswer,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The person is already followed by your agency: the existing beneficiary."},
        **errors(401, 403, 409, 422),
    },
)
async def refer(cmd: ReferBeneficiary, user: CurrentUser, deps: DependenciesDep, response: Response) -> ReferralAnswer:
    """Refer a person; enrols them in the ALI of their commune (again, if their accompaniment was closed)."""
    outcome = await refer_beneficiary(cmd, user, deps=deps, today=date.today())
    if outcome.status == "duplicate":
        response.status_code = status.HTTP_200_OK
    return ReferralAnswer(
        beneficiary_id=outcome.beneficiary_id,
        agency_id=outcome.agency_id,
        created=outcome.status == "created",
        status=outcome.status,
        possible_duplicates=list(outcome.possible_duplicates),
    )


def _admin(user: Principal) -> None:
    if user.role != Role.ADMIN:
        raise Forbidden("seule l'intégration du Département (admin) importe des fichiers")


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "le fichier dépasse la taille maximale d'import")
    data = bytearray()
    async for part in request.stream():
        data += part
        if len(data) > limit:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "le fichier dépasse la taille maximale d'import"
            )
    return bytes(data)


_SAMPLE = (
    "last_name;first_name;birth_date;nir;allocataire_number;allocataire_role;address;commune_code;phone;email;"
    "household_type;children;orientation_date;referral_source\n"
    "Diallo;Aminata;12/04/1988;2 88 04 75 112 045 19;1234567;demandeur;12 rue de la Convention;93027;0601020304;"
    ";single_parent;2;20/11/2026;caf_monthly_list\n"
)


@imports.post(
    "/referrals/import",
    response_model=ImportReport | DryRunReport,
    responses=errors(401, 403, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file as the source sends it: CSV, XLSX or the CAF/MSA XML flow.",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _SAMPLE},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
                "application/xml": {"schema": {"type": "string"}},
            },
        }
    },
    description=(
        "Import a source's file (admin: the department's integration), read with a **mapping profile** (`profile`,"
        " see `/import-profiles`): `plateforme` (the platform's own columns, the default), `agences-rdv` (the"
        " agencies' `NOM;PRENOM;N CAF;ROLE;VILLE` exports), `caf-msa` (the CAF/MSA beneficiary flow, XML), or one"
        " an admin saved. Send the file as the body (`curl --data-binary @file -H 'content-type: text/csv'`).\n\n"
        "A CSV file is read in the profile's encoding (UTF-8 unless it names another): a line with a byte that"
        " does not decode is rejected with its number, the others are imported. The commune comes from an INSEE"
        " code, a postcode or a town name; an unknown or ambiguous one rejects the row and lists the candidates.\n\n"
        "Every row is reported: `created`, `duplicate` (already followed), `return` (a person whose accompaniment"
        " was closed, enrolled again: a new accompaniment opens), `rejected` (with its line and a reason in"
        " French), `skipped`, or `rights_ended` (CAF/MSA: the RSA right of a person followed ended, the"
        " `end_of_rsa_rights` exit is proposed). Importing the same file again creates nothing. With"
        " `dry_run=true`, the first rows are shown as they will be read and nothing is written. The report is"
        " kept: `GET /imports/{import_id}/report?format=csv|xlsx`."
    ),
)
async def import_file(
    request: Request,
    user: CurrentUser,
    deps: DependenciesDep,
    settings: SettingsDep,
    profile: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$", description="Mapping profile (default: plateforme).")
    ] = None,
    dry_run_: Annotated[
        bool, Query(alias="dry_run", description="Show the first rows as read; write nothing.")
    ] = False,
    source: Annotated[
        ReferralSource | None,
        Query(description="Referral source of rows that name none (referential `referral_sources`)."),
    ] = None,
) -> ImportReport | DryRunReport:
    """Import a file and report on every row (or preview it)."""
    _admin(user)
    data = await _body(request, settings.intake_import_max_bytes)
    chosen = await profiles.resolve(profile, deps=deps)
    if source is not None:
        chosen = chosen.model_copy(update={"referral_source": source})
    if dry_run_:
        return await dry_run(data, profile=chosen, today=date.today(), limit=PREVIEW_ROWS)
    return await import_referrals(
        data, deps=deps, profile=chosen, today=date.today(), chunk_size=settings.intake_import_chunk_size
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/imports/{import_id}/report",
    response_model=ImportReport,
    responses={
        200: {"content": {"text/csv": {}, XLSX_TYPE: {}}, "description": "The report (JSON, CSV or XLSX)."},
        **errors(401, 403, 404),
    },
)
async def import_report(
    import_id: UUID,
    user: CurrentUser,
    deps: DependenciesDep,
    audit: AuditDep,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv (`;`, UTF-8 BOM) or xlsx")] = "json",
) -> Response:
    """The report of an import, row by row, to download (French headers in CSV and XLSX)."""
    _admin(user)
    async with deps.store.connection() as conn:
        report = await deps.reports.get(conn, import_id)
    if report is None:
        raise ImportReportNotFound(f"pas de rapport d'import {import_id}")
    await audit.export("import_report", agency_id=None, detail=f"import {report.import_id} as {format}")
    name = f"import-{report.import_id}"
    if format == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            report_xlsx(report),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(report.model_dump_json(), media_type="application/json")
