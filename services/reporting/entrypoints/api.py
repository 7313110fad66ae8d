"""Reporting's indicator routes: JSON and CSV, scoped like every other API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.reporting.domain import indicators
from services.reporting.domain.indicators import Query as IndicatorQuery
from services.reporting.entrypoints.responses import AgencyComparison, Indicators, PositiveExitRate, Trends
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


class InvalidPeriod(DomainError):
    """The period is empty or reversed."""


def _scope(user: Principal, agency_id: str | None) -> str | None:
    """Department staff and admins see every agency; agency staff only their own."""
    if user.agency_scope is None:
        return agency_id
    if agency_id not in (None, user.agency_scope):
        raise Forbidden(f"votre rôle ne voit que les indicateurs de {user.agency_scope}")
    return user.agency_scope


def _query(request: Request, agency_id: str | None, start: date | None, end: date | None, as_of: date | None):
    as_of = as_of or date.today()
    default_start, default_end = indicators.default_period(as_of)
    q = IndicatorQuery(
        start=start or default_start,
        end=end or default_end,
        as_of=as_of,
        agency_id=agency_id,
        positive_groups=tuple(str(g) for g in request.app.state.settings.positive_exit_groups),
    )
    if q.start > q.end:
        raise InvalidPeriod(f"la période commence ({q.start}) après sa fin ({q.end})")
    return q


def _rows(request: Request) -> list[dict]:
    return request.app.state.runtime.streams.rows()


def _memo(request: Request, key: tuple, compute: Callable[[], dict]) -> dict:
    """Figures computed once per state of the projection: a dashboard polling a quiet platform costs nothing."""
    return request.app.state.runtime.memo(key, compute)


@router.get("/indicators", response_model=Indicators)
async def get_indicators(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
) -> dict:
    """Every indicator for the department or one agency, for a period and as of a date."""
    q = _query(request, _scope(user, agency_id), start, end, as_of)
    return _memo(request, ("indicators", q), lambda: indicators.compute(_rows(request), q))


def _figures_table(figures: dict) -> Table:
    """One line per figure: scope, period, section, indicator (code and French label), breakdown, value."""
    rows: list[list] = []
    prefix = [figures["scope"], figures["period"]["start"], figures["period"]["end"], figures["as_of"]]

    def line(section: str, name: str, breakdown: str, value) -> None:
        referential = labels.BREAKDOWNS.get(name.split(".")[0], {})
        breakdown_label = labels.label(referential, breakdown) if breakdown else ""
        title = labels.INDICATORS.get(name, name)
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
            if name != "month" and not isinstance(value, dict):
                line("cohorts", name, cohort["month"], value)
    headers = [
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
    ]
    return Table("Indicateurs", headers, rows)


def _download(content: bytes, media_type: str, stem: str, extension: str) -> Response:
    disposition = f'attachment; filename="{filename(stem, extension)}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get(
    "/indicators.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV (;, UTF-8 BOM)."}},
)
async def get_indicators_csv(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
) -> Response:
    """The same indicators as CSV for a French spreadsheet: one line per figure, `;`, UTF-8 with BOM."""
    q = _query(request, _scope(user, agency_id), start, end, as_of)
    figures = _memo(request, ("indicators", q), lambda: indicators.compute(_rows(request), q))
    content = csv_bytes(_figures_table(figures))
    return _download(content, CSV_TYPE, f"indicateurs-{figures['scope']}-{figures['as_of']}", "csv")


@router.get(
    "/indicators.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def get_indicators_xlsx(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
) -> Response:
    """The same indicators as an XLSX workbook (one line per figure, French headers and labels)."""
    q = _query(request, _scope(user, agency_id), start, end, as_of)
    figures = _memo(request, ("indicators", q), lambda: indicators.compute(_rows(request), q))
    content = xlsx_bytes(_figures_table(figures))
    return _download(content, XLSX_TYPE, f"indicateurs-{figures['scope']}-{figures['as_of']}", "xlsx")


@router.get("/indicators/agencies", response_model=AgencyComparison)
async def get_agency_comparison(
    request: Request, user: CurrentUser, start: Start = None, end: End = None, as_of: AsOf = None
) -> dict:
    """Key figures of each agency beside the department's (agency staff see their own agency only)."""
    q = _query(request, None, start, end, as_of)
    comparison = _memo(request, ("agencies", q), lambda: _compare_agencies(_rows(request), q))
    return {**comparison, "agencies": [a for a in comparison["agencies"] if user.can_see_agency(a["agency_id"])]}


def _compare_agencies(all_rows: list[dict], q: IndicatorQuery) -> dict:
    rows = [r for r in all_rows if r.get("kind") == "accompaniment"]
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        for agency in {a for _, a in row["agency_history"]}:
            by_agency[agency].append(row)
    return {
        "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
        "as_of": q.as_of.isoformat(),
        "department": indicators.accompaniments(rows, q),
        "agencies": [
            {
                "agency_id": a,
                "agency_name": AGENCIES_BY_ID[a].name if a in AGENCIES_BY_ID else a,
                **indicators.accompaniments(by_agency[a], IndicatorQuery(**{**q.__dict__, "agency_id": a})),
            }
            for a in sorted(by_agency)
        ],
    }


@router.get("/indicators/trends", response_model=Trends)
async def get_trends(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    as_of: AsOf = None,
    months: Annotated[int, Query(ge=1, le=60)] = 12,
) -> dict:
    """Month by month: entries, exits by group and caseload at the end of the month."""
    scope = _scope(user, agency_id)
    as_of = as_of or date.today()
    return _memo(request, ("trends", scope, as_of, months), lambda: _trends(request, scope, as_of, months))


def _trends(request: Request, scope: str | None, as_of: date, months: int) -> dict:
    rows = [r for r in _rows(request) if r.get("kind") == "accompaniment"]
    series = []
    year, month = as_of.year, as_of.month
    firsts = []
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for first in reversed(firsts):
        last = min(indicators.add_months(first, 1) - timedelta(days=1), as_of)
        q = _query(request, scope, first, last, last)
        figures = indicators.accompaniments(rows, q)
        series.append(
            {
                "month": first.strftime("%Y-%m"),
                "entries": figures["entries"],
                "exits": figures["exits"],
                "exits_by_group": figures["exits_by_group"],
                "caseload": figures["caseload"],
                "positive_exit_rate": figures["positive_exit_rate"],
            }
        )
    return {"scope": scope or "department", "as_of": as_of.isoformat(), "months": series}


@router.get("/indicators/positive-exit-rate", response_model=PositiveExitRate)
async def positive_exit_rate(request: Request, user: CurrentUser, as_of: AsOf = None) -> dict:
    """Exits by group and the headline positive-exit rate, for the department and each visible agency (all time)."""
    q = _query(request, None, date(2000, 1, 1), as_of or date.today(), as_of)
    comparison = await get_agency_comparison(request, user, q.start, q.end, q.as_of)

    def summary(scope: str, figures: dict) -> dict:
        keys = ("exits", "exits_by_group", "positive_exits", "positive_exit_rate", "emploi_durable_rate")
        return {"scope": scope, "active": figures["caseload"], **{k: figures[k] for k in keys}}

    return {
        "positive_groups": list(q.positive_groups),
        "department": summary("department", comparison["department"]),
        "agencies": [summary(a["agency_id"], a) for a in comparison["agencies"]],
    }
