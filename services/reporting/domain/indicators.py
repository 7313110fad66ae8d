"""Indicators of the department and its agencies, computed from fact rows for a period and as of a date.

Every figure is a pure function of the rows, so live tables, a rebuild from the topics and a test's
hand-made scenario give the same numbers for the same events.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from shared.contracts.exits import DEFAULT_POSITIVE_GROUPS, ExitGroup
from shared.dates import add_months

Row = dict


@dataclass(frozen=True)
class Query:
    """Which figures: the period (inclusive), the reference date for stocks, and an agency or the department."""

    start: date
    end: date
    as_of: date
    agency_id: str | None = None
    positive_groups: tuple[str, ...] = tuple(g.value for g in DEFAULT_POSITIVE_GROUPS)


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _within(day: date | None, q: Query) -> bool:
    return day is not None and q.start <= day <= q.end


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def agency_on(row: Row, day: date) -> str:
    """Agency following an accompaniment on a given day (transfers move it)."""
    agency = row["agency_history"][0][1]
    for since, agency_id in row["agency_history"]:
        if date.fromisoformat(since) <= day:
            agency = agency_id
    return agency


def _mine(row: Row, q: Query, day: date) -> bool:
    return q.agency_id is None or agency_on(row, day) == q.agency_id


def _of_agency(row: Row, q: Query) -> bool:
    return q.agency_id is None or row.get("agency_id") == q.agency_id


def accompaniments(rows: list[Row], q: Query) -> dict:
    """Caseload, entries, renewals, suspensions, exits by group and category, rates and durations."""
    caseload = suspended = entries = renewals = suspensions = 0
    exits_by_group: Counter = Counter({g.value: 0 for g in ExitGroup})
    exits_by_category: Counter = Counter()
    durations = []
    for row in rows:
        start, closed = _d(row["start_date"]), _d(row.get("closed_on"))
        if start <= q.as_of and (closed is None or closed > q.as_of) and _mine(row, q, q.as_of):
            caseload += 1
            suspended += any(_d(s) <= q.as_of and (e is None or _d(e) > q.as_of) for s, e in row.get("suspensions", []))
        if _within(start, q) and _mine(row, q, start):
            entries += 1
        renewals += sum(1 for r in row.get("renewals", []) if _within(_d(r), q) and _mine(row, q, _d(r)))
        suspensions += sum(1 for s, _ in row.get("suspensions", []) if _within(_d(s), q) and _mine(row, q, _d(s)))
        if _within(closed, q) and _mine(row, q, closed):
            exits_by_group[row["exit_group"]] += 1
            exits_by_category[row["exit_category"]] += 1
            durations.append((closed - start).days)
    exits = sum(exits_by_group.values())
    positive = sum(exits_by_group[g] for g in q.positive_groups)
    return {
        "caseload": caseload,
        "suspended": suspended,
        "entries": entries,
        "renewals": renewals,
        "suspensions": suspensions,
        "exits": exits,
        "exits_by_group": dict(exits_by_group),
        "exits_by_category": dict(sorted(exits_by_category.items())),
        "positive_exits": positive,
        "positive_exit_rate": _share(positive, exits),
        "emploi_durable_rate": _share(exits_by_group[ExitGroup.EMPLOI_DURABLE.value], exits),
        "sorties_dynamiques_rate": _share(
            sum(exits_by_group[g] for g in ("emploi_durable", "emploi_transition", "sortie_positive")), exits
        ),
        "average_duration_days": round(statistics.fmean(durations), 1) if durations else None,
        "median_duration_days": statistics.median(durations) if durations else None,
    }


def follow_up(rows: list[Row], q: Query) -> dict:
    """Delay from orientation to first appointment (entries of the period) and contracts signed in time."""
    entered = with_first = under_15 = under_30 = 0
    signed = in_time = 0
    for row in rows:
        start = _d(row["start_date"])
        if _within(start, q) and _mine(row, q, start):
            entered += 1
            delay = row.get("first_appointment_delay_days")
            if delay is not None:
                with_first += 1
                under_15 += delay < 15
                under_30 += delay < 30
        signed_on = _d(row.get("contract_signed_on"))
        if _within(signed_on, q) and _mine(row, q, signed_on):
            signed += 1
            in_time += bool(row.get("contract_in_time"))
    return {
        "entries_with_first_appointment": with_first,
        "entries_without_first_appointment": entered - with_first,
        "first_appointment_under_15_days": under_15,
        "first_appointment_under_15_days_share": _share(under_15, with_first),
        "first_appointment_under_30_days": under_30,
        "first_appointment_under_30_days_share": _share(under_30, with_first),
        "contracts_signed": signed,
        "contracts_signed_in_time": in_time,
        "contracts_signed_in_time_share": _share(in_time, signed),
    }


def barriers(rows: list[Row], q: Query) -> dict:
    """Barriers identified and lifted in the period, by category."""
    identified: Counter = Counter()
    lifted: Counter = Counter()
    for row in rows:
        if not _of_agency(row, q):
            continue
        if _within(_d(row["identified_on"]), q):
            identified[row["category"]] += 1
        if _within(_d(row.get("lifted_on")), q):
            lifted[row["category"]] += 1
    return {
        "identified": sum(identified.values()),
        "lifted": sum(lifted.values()),
        "by_category": {
            c: {"identified": identified[c], "lifted": lifted[c]} for c in sorted(set(identified) | set(lifted))
        },
    }


def workshops(rows: list[Row], q: Query) -> dict:
    """Workshop sessions held in the period, registrations and attendance, by theme."""
    themes: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        if _of_agency(row, q) and _within(_d(row["date"]), q):
            theme = themes[row["theme"]]
            theme["sessions"] += 1
            theme["capacity"] += row["capacity"]
            theme["registrations"] += row["registrations"]
            theme["attendance"] += row["attendance"]
    total = sum(themes.values(), Counter())
    return {
        "sessions": total["sessions"],
        "registrations": total["registrations"],
        "attendance": total["attendance"],
        "attendance_rate": _share(total["attendance"], total["registrations"]),
        "by_theme": {
            t: {**c, "attendance_rate": _share(c["attendance"], c["registrations"])} for t, c in sorted(themes.items())
        },
    }


def placement(
    employers: list[Row], needs: list[Row], introductions: list[Row], hires: list[Row], immersions: list[Row], q: Query
) -> dict:
    """Employers, needs, introductions, hires by contract and sector, immersions, follow-up at 6 months."""
    active_employers = set()
    for row in employers:
        if _of_agency(row, q) and any(_within(_d(c), q) for c in row.get("contacts", [])):
            active_employers.add(row["employer_id"])
    needs_open = needs_published = 0
    for row in needs:
        if not _of_agency(row, q):
            continue
        published, closed = _d(row["published_on"]), _d(row.get("closed_on"))
        needs_published += _within(published, q)
        needs_open += published <= q.as_of and (closed is None or closed > q.as_of)
        if _within(published, q):
            active_employers.add(row["employer_id"])
    intros = Counter()
    for row in introductions:
        if _of_agency(row, q) and _within(_d(row["date"]), q):
            intros["total"] += 1
            intros[row.get("outcome") or "pending"] += 1
            active_employers.add(row["employer_id"])
    by_contract: Counter = Counter()
    by_sector: Counter = Counter()
    early_ends = followed_6 = employed_6 = 0
    for row in hires:
        if not _of_agency(row, q):
            continue
        if _within(_d(row["start_date"]), q):
            by_contract[row["contract_type"]] += 1
            by_sector[row["sector"] or "unknown"] += 1  # null: a v1 free-text sector naming no NAF section
            active_employers.add(row["employer_id"])
        early_ends += _within(_d(row.get("ended_early_on")), q)
        month_6 = row.get("check_ins", {}).get("6")
        if month_6 is not None and _within(_d(month_6["on"]), q):
            followed_6 += 1
            employed_6 += bool(month_6["still_employed"])
    immersion_outcomes: Counter = Counter()
    started = 0
    for row in immersions:
        if _of_agency(row, q) and _within(_d(row["start_date"]), q):
            started += 1
            immersion_outcomes[row.get("outcome") or "in_progress"] += 1
    registered = sum(1 for r in employers if _of_agency(r, q) and _d(r["registered_on"]) <= q.as_of)
    return {
        "employers_registered": registered,
        "employers_active": len(active_employers),
        "needs_published": needs_published,
        "needs_open": needs_open,
        "introductions": intros["total"],
        "introductions_by_outcome": {k: v for k, v in sorted(intros.items()) if k != "total"},
        "hires": sum(by_contract.values()),
        "hires_by_contract": dict(sorted(by_contract.items())),
        "hires_by_sector": dict(sorted(by_sector.items())),
        "hires_ended_early": early_ends,
        "six_month_check_ins": followed_6,
        "still_employed_at_6_months": employed_6,
        "still_employed_at_6_months_share": _share(employed_6, followed_6),
        "immersions": started,
        "immersions_by_outcome": dict(sorted(immersion_outcomes.items())),
    }


def cohorts(rows: list[Row], q: Query) -> list[dict]:
    """Of those who entered in each month of the period: how many exited, and how, within 6 and 12 months."""
    months: dict[str, dict] = {}
    for row in rows:
        start = _d(row["start_date"])
        if not _within(start, q) or not _mine(row, q, start):
            continue
        month = months.setdefault(
            start.strftime("%Y-%m"),
            {"entered": 0, **{f"exited_within_{n}_months": Counter({g.value: 0 for g in ExitGroup}) for n in (6, 12)}},
        )
        month["entered"] += 1
        closed = _d(row.get("closed_on"))
        for n in (6, 12):
            if closed is not None and closed <= min(add_months(start, n), q.as_of):
                month[f"exited_within_{n}_months"][row["exit_group"]] += 1
    result = []
    for key in sorted(months):
        month = months[key]
        entry = {"month": key, "entered": month["entered"]}
        for n in (6, 12):
            groups = dict(month[f"exited_within_{n}_months"])
            entry[f"exited_within_{n}_months"] = sum(groups.values())
            entry[f"exits_by_group_within_{n}_months"] = groups
        result.append(entry)
    return result


def compute(rows: Iterable[Row], q: Query) -> dict:
    """Every indicator for one query."""
    by_kind: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_kind[row.get("kind", "")].append(row)
    accs = by_kind["accompaniment"]
    return {
        "scope": q.agency_id or "department",
        "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
        "as_of": q.as_of.isoformat(),
        "positive_groups": list(q.positive_groups),
        "accompaniments": accompaniments(accs, q),
        "follow_up": follow_up(accs, q),
        "barriers": barriers(by_kind["barrier"], q),
        "workshops": workshops(by_kind["workshop_session"], q),
        "placement": placement(
            by_kind["employer"], by_kind["need"], by_kind["introduction"], by_kind["hire"], by_kind["immersion"], q
        ),
        "cohorts": cohorts(accs, q),
    }


def default_period(as_of: date) -> tuple[date, date]:
    """The twelve months up to `as_of`."""
    return as_of - timedelta(days=364), as_of
