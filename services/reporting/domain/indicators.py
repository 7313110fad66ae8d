"""Indicators of the department and of every agency, for a period and as of a date, from the ledger's day sums.

Dated figures sum the days of the period; stocks sum their changes up to the as-of date; the shares and
cohorts read the entries of the period. Every contribution names one agency, so an agency's figures are its
own and the department's are the sum of every agency's (distinct employers and medians are counted apart).
The cost depends on the number of days, not of facts: a query over the whole department is a few
milliseconds of sums.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.reporting.domain import definitions as d
from services.reporting.domain.contributions import ACTIVITY, COUNT, DURATION, STOCK, EntryDetail
from services.reporting.domain.ledger import Snapshot
from shared.dates import add_months

DEPARTMENT = d.DEPARTMENT

__all__ = ["DEPARTMENT", "AllScopes", "Query", "Snapshot", "Trends", "compute", "compute_one", "trends"]


@dataclass(frozen=True)
class Query:
    """Which figures: the period (inclusive), the reference date for stocks, the headline groups."""

    start: date
    end: date
    as_of: date
    positive_groups: tuple[str, ...] = d.DEFAULT_HEADLINE_GROUPS


def default_period(as_of: date) -> tuple[date, date]:
    """The twelve months up to `as_of`."""
    return as_of - timedelta(days=364), as_of


@dataclass
class Tally:
    """What one scope counted: figures by (figure, breakdown), exit durations, active employers, cohorts."""

    n: Counter = field(default_factory=Counter)
    durations: list[int] = field(default_factory=list)
    employers: set[str] = field(default_factory=set)
    cohorts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def get(self, figure: str, breakdown: str = "") -> int:
        """One count."""
        return self.n[(figure, breakdown)]

    def by(self, figure: str) -> dict[str, int]:
        """A figure's breakdown, sorted, without zeros."""
        return dict(sorted((b, n) for (f, b), n in self.n.items() if f == figure and n))


def _sum(counters: Iterable[Counter]) -> Counter:
    total: Counter = Counter()
    for counter in counters:
        total.update(counter)
    return total


def count(snapshot: Snapshot, q: Query) -> dict[str, Tally]:
    """The tallies of the department and of every agency."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    dept = tallies[DEPARTMENT]
    for source in (
        snapshot.total(COUNT, q.start, q.end),
        snapshot.total(STOCK, None, q.as_of),
    ):
        for (figure, breakdown, agency), n in source.items():
            if n:
                dept.n[(figure, breakdown)] += n
                tallies[agency].n[(figure, breakdown)] += n
    for counter in snapshot.between(DURATION, q.start, q.end):
        for (agency, days), n in counter.items():
            dept.durations.extend([days] * n)
            tallies[agency].durations.extend([days] * n)
    for counter in snapshot.between(ACTIVITY, q.start, q.end):
        for agency, employer in counter:
            dept.employers.add(employer)
            tallies[agency].employers.add(employer)
    entries: Counter = Counter()
    for summary in snapshot.entry_summaries(q.start, q.end):
        if summary.complete_from <= q.as_of:
            entries.update(summary.counts)
            continue
        for day in getattr(summary, "days", [summary]):
            if day.complete_from <= q.as_of:
                entries.update(day.counts)
            else:
                for (agency, e), n in day.counter.items():
                    entry_counts(entries, agency, e, n, q.as_of)
    for (figure, breakdown, agency), n in entries.items():
        for t in (dept, tallies[agency]):
            if figure == "cohort":
                t.cohorts[breakdown[0]][breakdown[1:] if len(breakdown) > 1 else "entered"] += n
            else:
                t.n[(figure, breakdown)] += n
    return tallies


def entry_counts(out: Counter, agency: str, e: EntryDetail, n: int, as_of: date) -> None:
    """What `n` entries alike count as of a date: first appointments held, due and within each target, and
    the cohort of their month (entered, exited within each horizon by group)."""
    if e.first_held is not None and e.first_held <= as_of:
        out[("entries_with_first_appointment", "", agency)] += n
    for days, (due, within) in zip(d.FIRST_APPOINTMENT_TARGETS, e.targets, strict=True):
        if due <= as_of:
            out[(f"first_appointment_under_{days}_days_due", "", agency)] += n
        if within is not None and within <= as_of:
            out[(f"first_appointment_under_{days}_days", "", agency)] += n
    out[("cohort", (e.month,), agency)] += n
    for months, exited in zip(d.COHORT_MONTHS, e.exited, strict=True):
        if exited is not None and exited <= as_of:
            out[("cohort", (e.month, months, e.exit_group), agency)] += n


def figures(t: Tally, q: Query, scope: str) -> dict:
    """The figures of one scope, as the API returns them."""
    groups = {g: t.get("exits_by_group", g) for g in d.EXIT_GROUP_NAMES}
    exits = sum(groups.values())
    positive = sum(groups[g] for g in q.positive_groups)
    accompaniments = {
        "caseload": t.get("caseload"),
        "suspended": t.get("suspended"),
        "overdue": t.get("overdue"),
        "entries": t.get("entries"),
        "returns": t.get("returns"),
        "renewals": t.get("renewals"),
        "suspensions": t.get("suspensions"),
        "transfers_in": t.get("transfers_in"),
        "transfers_out": t.get("transfers_out"),
        "exits": exits,
        "exits_by_group": groups,
        "exits_by_category": t.by("exits_by_category"),
        "positive_exits": positive,
        "positive_exit_rate": d.share(positive, exits),
        "emploi_durable_rate": d.share(groups[d.EMPLOI_DURABLE], exits),
        "sorties_dynamiques_rate": d.share(sum(groups[g] for g in d.SORTIES_DYNAMIQUES), exits),
        "average_duration_days": round(statistics.fmean(t.durations), 1) if t.durations else None,
        "median_duration_days": statistics.median(t.durations) if t.durations else None,
    }
    with_first = t.get("entries_with_first_appointment")
    follow_up = {
        "entries_with_first_appointment": with_first,
        "entries_without_first_appointment": t.get("entries") - with_first,
    }
    for days in d.FIRST_APPOINTMENT_TARGETS:
        within, due = t.get(f"first_appointment_under_{days}_days"), t.get(f"first_appointment_under_{days}_days_due")
        follow_up[f"first_appointment_under_{days}_days"] = within
        follow_up[f"first_appointment_under_{days}_days_due"] = due
        follow_up[f"first_appointment_under_{days}_days_share"] = d.share(within, due)
    signed, in_time = t.get("contracts_signed"), t.get("contracts_signed_in_time")
    follow_up |= {
        "contracts_signed": signed,
        "contracts_signed_in_time": in_time,
        "contracts_signed_in_time_share": d.share(in_time, signed),
    }
    identified, lifted, open_ = t.by("barriers_identified"), t.by("barriers_lifted"), t.by("barriers_open")
    categories = sorted(set(identified) | set(lifted) | set(open_))
    by_category = {
        c: {"identified": identified.get(c, 0), "lifted": lifted.get(c, 0), "open": open_.get(c, 0)} for c in categories
    }
    barriers = {
        "identified": sum(identified.values()),
        "lifted": sum(lifted.values()),
        "open": sum(open_.values()),
        "by_category": by_category,
    }
    themes = sorted(set(t.by("workshop_sessions")))
    by_theme = {}
    for theme in themes:
        registered, present = t.get("workshop_registrations", theme), t.get("workshop_attendance", theme)
        by_theme[theme] = {
            "sessions": t.get("workshop_sessions", theme),
            "capacity": t.get("workshop_capacity", theme),
            "registrations": registered,
            "attendance": present,
            "attendance_rate": d.share(present, registered),
        }
    registrations = sum(v["registrations"] for v in by_theme.values())
    attendance = sum(v["attendance"] for v in by_theme.values())
    workshops = {
        "sessions": sum(v["sessions"] for v in by_theme.values()),
        "registrations": registrations,
        "attendance": attendance,
        "attendance_rate": d.share(attendance, registrations),
        "by_theme": by_theme,
    }
    intros, hires = t.by("introductions_by_outcome"), t.by("hires_by_contract")
    checked, employed = t.get("six_month_check_ins"), t.get("still_employed_at_6_months")
    immersions = t.by("immersions_by_outcome")
    placement = {
        "employers_registered": t.get("employers_registered"),
        "employers_active": len(t.employers),
        "needs_published": t.get("needs_published"),
        "needs_open": t.get("needs_open"),
        "introductions": sum(intros.values()),
        "introductions_by_outcome": intros,
        "hires": sum(hires.values()),
        "hires_by_contract": hires,
        "hires_by_sector": t.by("hires_by_sector"),
        "hires_ended_early": t.get("hires_ended_early"),
        "six_month_check_ins": checked,
        "still_employed_at_6_months": employed,
        "still_employed_at_6_months_share": d.share(employed, checked),
        "immersions": sum(immersions.values()),
        "immersions_by_outcome": immersions,
    }
    cohorts = []
    for month in sorted(t.cohorts):
        c = t.cohorts[month]
        entry: dict = {"month": month, "entered": c["entered"]}
        for months in d.COHORT_MONTHS:
            by_group = {g: c[(months, g)] for g in d.EXIT_GROUP_NAMES}
            entry[f"exited_within_{months}_months"] = sum(by_group.values())
            entry[f"exits_by_group_within_{months}_months"] = by_group
        cohorts.append(entry)
    return {
        "scope": scope,
        "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
        "as_of": q.as_of.isoformat(),
        "positive_groups": list(q.positive_groups),
        "accompaniments": accompaniments,
        "follow_up": follow_up,
        "barriers": barriers,
        "workshops": workshops,
        "placement": placement,
        "cohorts": cohorts,
    }


@dataclass(frozen=True)
class AllScopes:
    """The figures of the department and of every agency for one query."""

    query: Query
    tallies: dict[str, Tally]

    @property
    def agencies(self) -> list[str]:
        """Agencies that counted anything, sorted."""
        return sorted(s for s in self.tallies if s not in (DEPARTMENT, None))

    def of(self, scope: str | None) -> dict:
        """Figures of the department (None) or of one agency (zeros for an agency without facts)."""
        scope = scope or DEPARTMENT
        return figures(self.tallies.get(scope) or Tally(), self.query, scope)


def compute(snapshot: Snapshot, q: Query) -> AllScopes:
    """Every figure of every scope for one query."""
    return AllScopes(q, dict(count(snapshot, q)))


def compute_one(snapshot: Snapshot, q: Query, scope: str | None = None) -> dict:
    """Figures of one scope."""
    return compute(snapshot, q).of(scope)


def month_ends(as_of: date, months: int) -> list[tuple[date, date]]:
    """(first day, last counted day) of the `months` calendar months up to `as_of`, oldest first."""
    first = as_of.replace(day=1)
    return [
        (month, min(add_months(month, 1) - timedelta(days=1), as_of))
        for month in (add_months(first, -back) for back in range(months - 1, -1, -1))
    ]


@dataclass(frozen=True)
class Trends:
    """Monthly series of every scope: entries, exits by group, caseload at the month's end, headline rate."""

    positive_groups: tuple[str, ...]
    months: list[tuple[date, Counter, Counter]]  # first day, dated counts of the month, stocks at its end

    def of(self, scope: str | None) -> list[dict]:
        """The series of the department (None) or of one agency (zeros where it counted nothing)."""
        scope = scope or DEPARTMENT
        series = []
        for first, counts, stocks in self.months:
            groups = {g: counts[("exits_by_group", g, scope)] for g in d.EXIT_GROUP_NAMES}
            exits = sum(groups.values())
            series.append(
                {
                    "month": first.strftime("%Y-%m"),
                    "entries": counts[("entries", "", scope)],
                    "exits": exits,
                    "exits_by_group": groups,
                    "caseload": stocks[("caseload", "", scope)],
                    "positive_exit_rate": d.share(sum(groups[g] for g in self.positive_groups), exits),
                }
            )
        return series


def _with_department(counter: Counter) -> Counter:
    out: Counter = Counter()
    for (figure, breakdown, agency), n in counter.items():
        out[(figure, breakdown, agency)] += n
        out[(figure, breakdown, DEPARTMENT)] += n
    return out


def trends(snapshot: Snapshot, as_of: date, months: int, positive_groups: Iterable[str]) -> Trends:
    """Month by month for every scope, from the day sums (one pass over the stocks' changes)."""
    wanted = {"entries", "exits_by_group", "caseload"}
    out = []
    stocks: Counter = Counter()
    previous_end = None
    for first, last in month_ends(as_of, months):
        counts = snapshot.total(COUNT, first, last)
        since = None if previous_end is None else previous_end + timedelta(days=1)
        stocks.update(snapshot.total(STOCK, since, last))
        previous_end = last
        month_counts = Counter({k: n for k, n in counts.items() if k[0] in wanted})
        caseload = Counter({k: n for k, n in stocks.items() if k[0] == "caseload"})
        out.append((first, _with_department(month_counts), _with_department(caseload)))
    return Trends(tuple(positive_groups), out)
