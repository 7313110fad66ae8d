"""Reporting's indicator routes: JSON and CSV, scoped like every other API."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.reporting.domain import indicators
from services.reporting.domain.indicators import Query as IndicatorQuery
from shared.audit import Audit
from shared.auth import CurrentUser, Principal
from shared.csv_safe import SafeWriter
from shared.errors import DomainError, Forbidden
from shared.territory import AGENCIES_BY_ID

router = APIRouter(tags=["indicators"])

Start = Annotated[date | None, Query(description="First day of the period (default: 364 days before as_of).")]
End = Annotated[date | None, Query(description="Last day of the period (default: as_of).")]
AsOf = Annotated[date | None, Query(description="Reference date for stocks such as the caseload (default: today).")]
Agency = Annotated[str | None, Query(description="An agency id; the department when omitted.")]


class InvalidPeriod(DomainError):
    """The period is empty or reversed."""


def _scope(user: Principal, agency_id: str | None) -> str | None:
    """Department staff and admins see every agency; agency staff only their own."""
    if user.agency_scope is None:
        return agency_id
    if agency_id not in (None, user.agency_scope):
        raise Forbidden(f"your role sees the indicators of {user.agency_scope} only")
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
        raise InvalidPeriod(f"the period starts ({q.start}) after it ends ({q.end})")
    return q


def _rows(request: Request) -> list[dict]:
    return request.app.state.runtime.streams.rows()


def _memo(request: Request, key: tuple, compute: Callable[[], dict]) -> dict:
    """Figures computed once per state of the projection: a dashboard polling a quiet platform costs nothing."""
    return request.app.state.runtime.memo(key, compute)


@router.get("/indicators")
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


@router.get("/indicators.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def get_indicators_csv(
    request: Request,
    user: CurrentUser,
    agency_id: Agency = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
) -> Response:
    """The same indicators as CSV: one line per figure (section, indicator, breakdown, value); the export is audited."""
    q = _query(request, _scope(user, agency_id), start, end, as_of)
    figures = _memo(request, ("indicators", q), lambda: indicators.compute(_rows(request), q))
    await Audit(request.app.state.runtime.audit, user).export(
        "indicators.csv", agency_id=q.agency_id, detail=f"period {q.start}..{q.end}, as of {q.as_of}"
    )
    out = io.StringIO()
    # Text cells that a spreadsheet would run as a formula (`=HYPERLINK(...)`) are neutralised.
    writer = SafeWriter(out)
    writer.writerow(["scope", "period_start", "period_end", "as_of", "section", "indicator", "breakdown", "value"])
    prefix = [figures["scope"], figures["period"]["start"], figures["period"]["end"], figures["as_of"]]
    for section in ("accompaniments", "follow_up", "barriers", "workshops", "placement"):
        for name, value in figures[section].items():
            if isinstance(value, dict):
                for breakdown, inner in value.items():
                    if isinstance(inner, dict):
                        for sub, v in inner.items():
                            writer.writerow([*prefix, section, f"{name}.{sub}", breakdown, v])
                    else:
                        writer.writerow([*prefix, section, name, breakdown, inner])
            else:
                writer.writerow([*prefix, section, name, "", "" if value is None else value])
    for cohort in figures["cohorts"]:
        for name, value in cohort.items():
            if name != "month" and not isinstance(value, dict):
                writer.writerow([*prefix, "cohorts", name, cohort["month"], value])
    # No request value in a header: the file is named after a known agency (our own id for it) and a date.
    known = AGENCIES_BY_ID.get(q.agency_id) if q.agency_id else None
    filename = f"indicators-{known.id if known else 'department'}-{q.as_of.isoformat()}.csv"
    return Response(
        out.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/indicators/agencies")
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


@router.get("/indicators/trends")
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


@router.get("/indicators/positive-exit-rate")
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
