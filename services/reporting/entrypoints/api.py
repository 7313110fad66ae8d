"""Reporting's indicator routes: JSON and CSV, their definitions and the projection's state, scoped by role.

Every route answers 503 `recovering` (with `Retry-After`) until the facts are whole, and otherwise figures
computed at one generation of the facts (the `X-Projection-Generation` header says which).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.reporting.domain import definitions, indicators
from services.reporting.domain.indicators import AllScopes, Snapshot, Trends
from services.reporting.domain.indicators import Query as IndicatorQuery
from services.reporting.entrypoints.responses import (
    AgencyComparison,
    Definitions,
    Indicators,
    PositiveExitRate,
    ProjectionStatus,
    TrendSeries,
)
from shared.audit import Audit
from shared.auth import CurrentUser, Principal
from shared.contracts import labels
from shared.errors import DomainError, Forbidden
from shared.exports import CSV_TYPE, XLSX_TYPE, Table, csv_bytes, filename, xlsx_bytes
from shared.inputs import ReferenceDate
from shared.territory import AGENCIES_BY_ID

router = APIRouter(tags=["indicators"])

Start = Annotated[ReferenceDate | None, Query(description="First day of the period (default: 364 days before as_of).")]
End = Annotated[ReferenceDate | None, Query(description="Last day of the period (default: as_of).")]
AsOf = Annotated[
    ReferenceDate | None, Query(description="Reference date for stocks such as the caseload (default: today).")
]
Agency = Annotated[
    str | None,
    Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="An agency id; the department when omitted."),
]
RECOVERING = {503: {"description": "The indicators are recovering (facts loading or being built); retry later."}}


class InvalidPeriod(DomainError):
    """The period is empty or reversed."""


def _scope(user: Principal, agency_id: str | None) -> str | None:
    """Department staff and admins see every agency; agency staff only their own."""
    if user.agency_scope is None:
        return agency_id
    if agency_id not in (None, user.agency_scope):
        raise Forbidden(f"your role sees the indicators of {user.agency_scope} only")
    return user.agency_scope


def _query(request: Request, start: date | None, end: date | None, as_of: date | None) -> IndicatorQuery:
    as_of = as_of or date.today()
    default_start, default_end = indicators.default_period(as_of)
    q = IndicatorQuery(
        start=start or default_start,
        end=end or default_end,
        as_of=as_of,
        positive_groups=tuple(request.app.state.settings.positive_exit_groups),
    )
    if q.start > q.end:
        raise InvalidPeriod(f"the period starts ({q.start}) after it ends ({q.end})")
    return q


@dataclass(frozen=True)
class Asked:
    """Whose indicators a request asks for (`scope`: an agency, or None for the department), over which period."""

    scope: str | None
    query: IndicatorQuery


async def _asked(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
) -> Asked:
    return Asked(_scope(user, agency_id), _query(request, start, end, as_of))


AskedDep = Annotated[Asked, Depends(_asked)]


async def _all_scopes(request: Request, q: IndicatorQuery):
    runtime = request.app.state.runtime
    await runtime.readable()
    return await runtime.figures.get(("indicators", q), lambda snapshot: indicators.compute(snapshot, q))


def _rendered(entry, key, render: Callable[[], bytes]) -> bytes:
    """The body `render()` makes, made once per computation of the figures and kept with them."""
    body = entry.rendered.get(key)
    if body is None:
        body = entry.rendered[key] = render()
    return body


def _json(entry, key, build, generation) -> Response:
    """The JSON body of `build()`, serialised once per computation."""
    body = _rendered(entry, key, lambda: json.dumps(build(), separators=(",", ":")).encode())
    return Response(body, media_type="application/json", headers={"X-Projection-Generation": generation})


def _generation(entry) -> str:
    return ".".join(str(n) for n in entry.generation)


@router.get("/indicators", responses={200: {"model": Indicators, "description": "The figures."}, **RECOVERING})
async def get_indicators(request: Request, asked: AskedDep) -> Response:
    """Every indicator for the department or one agency, for a period and as of a date."""
    figures, entry = await _all_scopes(request, asked.query)
    return _json(entry, ("json", asked.scope), lambda: figures.of(asked.scope), _generation(entry))


_EXPORT_HEADERS = (
    "Périmètre",
    "Début de période",
    "Fin de période",
    "Date de référence",
    "Rubrique",
    "Indicateur",
    "Libellé",
    "Ventilation",
    "Libellé de la ventilation",
    "Valeur",
)


def _figures_table(figures: dict) -> Table:
    """One line per figure: scope, period, section (French), indicator (code and French label), breakdown (code and
    French label), value. Codes are kept beside the labels, so that a tool reads the same keys as in the JSON."""
    rows: list[list] = []
    prefix = [figures["scope"], figures["period"]["start"], figures["period"]["end"], figures["as_of"]]

    def line(section: str, name: str, breakdown: str, value) -> None:
        base = name.split(".")[0]
        known = definitions.DEFINITIONS_BY_NAME.get((section, base))
        title = known.label if known is not None and base == name else labels.INDICATORS.get(name, name)
        referential = labels.BREAKDOWNS.get(base, {})
        breakdown_label = labels.label(referential, breakdown) if breakdown else ""
        rows.append([*prefix, labels.INDICATOR_SECTIONS[section], name, title, breakdown, breakdown_label, value])

    for section in ("accompaniments", "follow_up", "barriers", "workshops", "placement"):
        for name, value in figures[section].items():
            if isinstance(value, dict):
                for breakdown, inner in value.items():
                    if isinstance(inner, dict):
                        for sub, v in inner.items():
                            line(section, f"{name}.{sub}", breakdown, v)
                    else:
                        line(section, name, breakdown, inner)
            else:
                line(section, name, "", value)
    for cohort in figures["cohorts"]:
        for name, value in cohort.items():
            if name == "month":
                continue
            if isinstance(value, dict):
                for group, n in value.items():
                    line("cohorts", name, f"{cohort['month']}.{group}", n)
            else:
                line("cohorts", name, cohort["month"], value)
    return Table("Indicateurs", _EXPORT_HEADERS, rows)


async def _export(request: Request, user: Principal, asked: Asked, kind: str) -> Response:
    """The indicators as a French spreadsheet file (`csv`: `;`, UTF-8 with BOM; `xlsx`), audited, rendered once per
    generation of the facts."""
    scope, q = asked.scope, asked.query
    all_scopes, entry = await _all_scopes(request, q)
    await Audit(request.app.state.runtime.audit, user).export(
        f"indicators.{kind}", agency_id=scope, detail=f"period {q.start}..{q.end}, as of {q.as_of}"
    )
    to_bytes = csv_bytes if kind == "csv" else xlsx_bytes
    body = _rendered(entry, (kind, scope), lambda: to_bytes(_figures_table(all_scopes.of(scope))))
    # No request value in a header: the file is named after a known agency (our own id for it) and a date.
    known = AGENCIES_BY_ID.get(scope) if scope else None
    stem = f"indicateurs-{known.id if known else 'departement'}-{q.as_of.isoformat()}"
    return Response(
        body,
        media_type=CSV_TYPE if kind == "csv" else XLSX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename(stem, kind)}"',
            "X-Projection-Generation": _generation(entry),
        },
    )


@router.get(
    "/indicators.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV (`;`, UTF-8 with BOM)."},
        **RECOVERING,
    },
)
async def get_indicators_csv(request: Request, user: CurrentUser, asked: AskedDep) -> Response:
    """The same indicators for a French spreadsheet: one line per figure, French headers and labels, `;`, UTF-8
    with BOM; the export is audited."""
    return await _export(request, user, asked, "csv")


@router.get(
    "/indicators.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}, **RECOVERING},
)
async def get_indicators_xlsx(request: Request, user: CurrentUser, asked: AskedDep) -> Response:
    """The same indicators as an XLSX workbook (one line per figure, French headers and labels); audited."""
    return await _export(request, user, asked, "xlsx")


def _agency_name(agency_id: str) -> str:
    return AGENCIES_BY_ID[agency_id].name if agency_id in AGENCIES_BY_ID else agency_id


@router.get("/indicators/agencies", response_model=AgencyComparison, responses=RECOVERING)
async def get_agency_comparison(
    request: Request, user: CurrentUser, start: Start = None, end: End = None, as_of: AsOf = None
) -> dict:
    """Key figures of each agency beside the department's (agency staff see their own agency only)."""
    q = _query(request, start, end, as_of)
    figures, _ = await _all_scopes(request, q)
    return _comparison(figures, user)


def _comparison(figures: AllScopes, user: Principal) -> dict:
    q = figures.query
    return {
        "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
        "as_of": q.as_of.isoformat(),
        "department": figures.of(None)["accompaniments"],
        "agencies": [
            {"agency_id": a, "agency_name": _agency_name(a), **figures.of(a)["accompaniments"]}
            for a in figures.agencies
            if user.can_see_agency(a)
        ],
    }


@router.get("/indicators/trends", responses={200: {"model": TrendSeries, "description": "The series."}, **RECOVERING})
async def get_trends(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    as_of: AsOf = None,
    months: Annotated[int, Query(ge=1, le=60)] = 12,
) -> Response:
    """Month by month: entries, exits by group and caseload at the end of the month."""
    scope = _scope(user, agency_id)
    as_of = as_of or date.today()
    groups = tuple(request.app.state.settings.positive_exit_groups)
    runtime = request.app.state.runtime
    await runtime.readable()

    def compute(snapshot: Snapshot) -> Trends:
        return indicators.trends(snapshot, as_of, months, groups)

    trends, entry = await runtime.figures.get(("trends", as_of, months, groups), compute)
    body = {"scope": scope or definitions.DEPARTMENT, "as_of": as_of.isoformat(), "months": None}
    return _json(entry, ("trends", scope), lambda: {**body, "months": trends.of(scope)}, _generation(entry))


@router.get("/indicators/positive-exit-rate", response_model=PositiveExitRate, responses=RECOVERING)
async def positive_exit_rate(request: Request, user: CurrentUser, as_of: AsOf = None) -> dict:
    """Exits by group and the headline positive-exit rate, for the department and each visible agency (all time)."""
    q = _query(request, date(2000, 1, 1), as_of or date.today(), as_of)
    figures, _ = await _all_scopes(request, q)
    comparison = _comparison(figures, user)

    def summary(scope: str, figures: dict) -> dict:
        keys = ("exits", "exits_by_group", "positive_exits", "positive_exit_rate", "emploi_durable_rate")
        return {"scope": scope, "active": figures["caseload"], **{k: figures[k] for k in keys}}

    return {
        "positive_groups": list(q.positive_groups),
        "department": summary("department", comparison["department"]),
        "agencies": [summary(a["agency_id"], a) for a in comparison["agencies"]],
    }


@router.get("/indicators/definitions", response_model=Definitions)
async def get_definitions(request: Request, user: CurrentUser) -> dict:
    """What every figure means, in the department's words (English and French), with the headline groups."""
    return definitions_body(request.app.state.settings.positive_exit_groups)


def definitions_body(positive_groups) -> dict:
    """The body of `/indicators/definitions`."""
    return {
        "positive_groups": list(positive_groups),
        "sorties_dynamiques": list(definitions.SORTIES_DYNAMIQUES),
        "exit_groups": definitions.EXIT_GROUP_OF,
        "definitions": [
            {"section": d.section, "name": d.name, "label": d.label, "text": d.text, "text_fr": d.text_fr}
            for d in definitions.DEFINITIONS
        ],
    }


@router.get("/indicators/status", response_model=ProjectionStatus)
async def get_status(request: Request, user: CurrentUser) -> dict:
    """Whether the indicators are ready or recovering (loading the facts, or building them from the topics)."""
    return request.app.state.runtime.status()
