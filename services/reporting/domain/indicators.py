"""Indicators of the department and of every agency, counted from the facts with the rules of `definitions.py`.

One pass over the facts gives the figures of every scope at once (the department and each agency), for a
period and as of a date; the department counts each fact once, each agency the facts attributed to it on
the day they happened. Pure functions of an immutable `Snapshot`: the live service, a rebuild from the
topics and the tests compute the same numbers from the same facts.
"""

from __future__ import annotations

import statistics
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.reporting.domain import definitions as d
from services.reporting.domain.facts import (
    Accompaniment,
    Employer,
    FactSet,
    Hire,
    Immersion,
    Introduction,
    Need,
    WorkshopSession,
)
from shared.dates import add_months

DEPARTMENT = d.DEPARTMENT


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
class Snapshot:
    """The facts at one generation of the projection, frozen for computing (immutable facts, copied lists)."""

    generation: tuple[int, ...]
    accompaniments: tuple[Accompaniment, ...]
    sessions: tuple[WorkshopSession, ...]
    employers: tuple[Employer, ...]
    needs: tuple[Need, ...]
    introductions: tuple[Introduction, ...]
    hires: tuple[Hire, ...]
    immersions: tuple[Immersion, ...]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _by_person: dict[str, list[Accompaniment]] | None = field(default=None, repr=False)
    _hires_by_need: dict[str, list[Hire]] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, facts: FactSet, generation: tuple[int, ...] = (0,)) -> Snapshot:
        """Freeze the current facts (cheap: facts are immutable, only the lists are copied)."""
        return cls(
            generation,
            tuple(facts.of(Accompaniment).values()),
            tuple(facts.of(WorkshopSession).values()),
            tuple(facts.of(Employer).values()),
            tuple(facts.of(Need).values()),
            tuple(facts.of(Introduction).values()),
            tuple(facts.of(Hire).values()),
            tuple(facts.of(Immersion).values()),
        )

    def _index(self) -> None:
        with self._lock:
            if self._by_person is not None:
                return
            by_person: dict[str, list[Accompaniment]] = defaultdict(list)
            for a in self.accompaniments:
                by_person[a.beneficiary_id].append(a)
            for accs in by_person.values():
                accs.sort(key=lambda a: (a.start_date, a.accompaniment_id))
            hires_by_need: dict[str, list[Hire]] = defaultdict(list)
            for h in self.hires:
                if h.need_id is not None:
                    hires_by_need[h.need_id].append(h)
            self._hires_by_need = hires_by_need
            self._by_person = by_person

    @property
    def by_person(self) -> dict[str, list[Accompaniment]]:
        """Each person's accompaniments, by start date."""
        self._index()
        return self._by_person

    @property
    def hires_by_need(self) -> dict[str, list[Hire]]:
        """Hires of each need."""
        self._index()
        return self._hires_by_need


class Tally:
    """What one scope counted."""

    __slots__ = ("n", "groups", "categories", "durations", "barriers", "themes", "employers", "by", "cohorts")

    def __init__(self) -> None:
        self.n: Counter = Counter()
        self.groups: Counter = Counter()
        self.categories: Counter = Counter()
        self.durations: list[int] = []
        self.barriers: dict[str, Counter] = defaultdict(Counter)
        self.themes: dict[str, Counter] = defaultdict(Counter)
        self.employers: set[str] = set()
        self.by: dict[str, Counter] = defaultdict(Counter)
        self.cohorts: dict[str, Counter] = defaultdict(Counter)


class _Tallies(dict):
    """Tallies by scope; the department's is always there."""

    def __missing__(self, scope: str) -> Tally:
        tally = self[scope] = Tally()
        return tally


def _within(day: date | None, q: Query) -> bool:
    return day is not None and q.start <= day <= q.end


def count(snapshot: Snapshot, q: Query) -> dict[str, Tally]:
    """Count every fact of the snapshot into the department's tally and its agency's."""
    tallies = _Tallies()
    dept = tallies[DEPARTMENT]
    _count_accompaniments(snapshot, q, tallies, dept)
    _count_workshops(snapshot, q, tallies, dept)
    _count_placement(snapshot, q, tallies, dept)
    return tallies


def _count_accompaniments(snapshot: Snapshot, q: Query, tallies: _Tallies, dept: Tally) -> None:
    as_of, by_person = q.as_of, snapshot.by_person
    targets = d.FIRST_APPOINTMENT_TARGETS
    for a in snapshot.accompaniments:
        if d.in_caseload(a, as_of):
            scopes = (dept, tallies[d.agency_on(a, as_of)])
            suspended, overdue = d.suspended_on(a, as_of), d.overdue_on(a, as_of)
            for t in scopes:
                t.n["caseload"] += 1
                t.n["suspended"] += suspended
                t.n["overdue"] += overdue
        start = a.start_date
        if _within(start, q):
            scopes = (dept, tallies[d.agency_on(a, start)])
            returning = d.is_return(a, by_person[a.beneficiary_id])
            first = d.first_appointment(a, as_of)
            due_within = [d.first_appointment_target(a, days, as_of) for days in targets]
            month = start.strftime("%Y-%m")
            group = d.exit_group(a.exit_category) if a.closed_on is not None else None
            exited = [d.within_months(start, a.closed_on, n, as_of) for n in d.COHORT_MONTHS]
            for t in scopes:
                t.n["entries"] += 1
                t.n["returns"] += returning
                t.n["entries_with_first_appointment"] += first is not None
                for days, (due, within) in zip(targets, due_within, strict=True):
                    t.n[f"first_appointment_under_{days}_days_due"] += due
                    t.n[f"first_appointment_under_{days}_days"] += within
                cohort = t.cohorts[month]
                cohort["entered"] += 1
                for n, out in zip(d.COHORT_MONTHS, exited, strict=True):
                    if out:
                        cohort[(n, group)] += 1
        closed = a.closed_on
        if _within(closed, q):
            group = d.exit_group(a.exit_category)
            duration = d.duration_days(a)
            for t in (dept, tallies[d.agency_on(a, closed)]):
                t.groups[group] += 1
                t.categories[a.exit_category] += 1
                t.durations.append(duration)
        for r in a.renewals:
            if _within(r.renewed_on, q):
                for t in (dept, tallies[d.agency_on(a, r.renewed_on)]):
                    t.n["renewals"] += 1
        for s in a.suspensions:
            if _within(s.suspended_on, q):
                for t in (dept, tallies[d.agency_on(a, s.suspended_on)]):
                    t.n["suspensions"] += 1
        for tr in a.transfers:
            if _within(tr.transferred_on, q):
                dept.n["transfers_in"] += 1
                dept.n["transfers_out"] += 1
                tallies[tr.to_agency_id].n["transfers_in"] += 1
                tallies[tr.from_agency_id].n["transfers_out"] += 1
        for c in a.contracts:
            if _within(c.signed_on, q):
                in_time = d.contract_in_time(a, c)
                for t in (dept, tallies[d.agency_on(a, c.signed_on)]):
                    t.n["contracts_signed"] += 1
                    t.n["contracts_signed_in_time"] += in_time
        for b in a.barriers:
            if _within(b.identified_on, q):
                for t in (dept, tallies[d.agency_on(a, b.identified_on)]):
                    t.barriers[b.category]["identified"] += 1
            if _within(b.lifted_on, q):
                for t in (dept, tallies[d.agency_on(a, b.lifted_on)]):
                    t.barriers[b.category]["lifted"] += 1
            if d.barrier_open_on(a, b, as_of):
                for t in (dept, tallies[d.agency_on(a, as_of)]):
                    t.barriers[b.category]["open"] += 1


def _count_workshops(snapshot: Snapshot, q: Query, tallies: _Tallies, dept: Tally) -> None:
    for s in snapshot.sessions:
        if not _within(s.session_date, q):
            continue
        registrations = sum(1 for p in s.participants if p.registered_on is not None)
        attendance = sum(1 for p in s.participants if p.attended)
        for t in (dept, tallies[s.agency_id]):
            theme = t.themes[s.theme]
            theme["sessions"] += 1
            theme["capacity"] += s.capacity
            theme["registrations"] += registrations
            theme["attendance"] += attendance


def _count_placement(snapshot: Snapshot, q: Query, tallies: _Tallies, dept: Tally) -> None:
    as_of, by_person = q.as_of, snapshot.by_person

    def person_scopes(beneficiary_id: str, day: date, default: str) -> tuple[Tally, Tally]:
        return dept, tallies[d.person_agency_on(by_person.get(beneficiary_id, ()), day, default)]

    for e in snapshot.employers:
        if e.registered_on <= as_of:
            dept.n["employers_registered"] += 1
            if e.agency_id is not None:
                tallies[e.agency_id].n["employers_registered"] += 1
        for c in e.contacts:
            if _within(c.contact_date, q):
                dept.employers.add(e.employer_id)
                tallies[c.agency_id].employers.add(e.employer_id)
    hires_by_need = snapshot.hires_by_need
    for need in snapshot.needs:
        scopes = (dept, tallies[need.agency_id])
        published = _within(need.published_on, q)
        open_ = d.need_open_on(need, d.need_filled_on(need, hires_by_need.get(need.need_id, ())), as_of)
        for t in scopes:
            t.n["needs_published"] += published
            t.n["needs_open"] += open_
            if published:
                t.employers.add(need.employer_id)
    for i in snapshot.introductions:
        if _within(i.introduced_on, q):
            for t in person_scopes(i.beneficiary_id, i.introduced_on, i.agency_id):
                t.by["introductions_by_outcome"][i.outcome or "pending"] += 1
                t.employers.add(i.employer_id)
    for h in snapshot.hires:
        if _within(h.start_date, q):
            for t in person_scopes(h.beneficiary_id, h.start_date, h.agency_id):
                t.by["hires_by_contract"][h.contract_type] += 1
                t.by["hires_by_sector"][h.sector] += 1
                t.employers.add(h.employer_id)
        if _within(h.ended_early_on, q):
            for t in person_scopes(h.beneficiary_id, h.ended_early_on, h.agency_id):
                t.n["hires_ended_early"] += 1
        check_in = d.still_employed_check_in(h)
        if check_in is not None and _within(check_in.checked_on, q):
            for t in person_scopes(h.beneficiary_id, check_in.checked_on, h.agency_id):
                t.n["six_month_check_ins"] += 1
                t.n["still_employed_at_6_months"] += check_in.still_employed
    for m in snapshot.immersions:
        if _within(m.start_date, q):
            for t in person_scopes(m.beneficiary_id, m.start_date, m.agency_id):
                t.by["immersions_by_outcome"][m.outcome or "in_progress"] += 1


def figures(t: Tally, q: Query, scope: str) -> dict:
    """The figures of one scope, as the API returns them."""
    n = t.n
    exits = sum(t.groups.values())
    positive = sum(t.groups[g] for g in q.positive_groups)
    accompaniments = {
        "caseload": n["caseload"],
        "suspended": n["suspended"],
        "overdue": n["overdue"],
        "entries": n["entries"],
        "returns": n["returns"],
        "renewals": n["renewals"],
        "suspensions": n["suspensions"],
        "transfers_in": n["transfers_in"],
        "transfers_out": n["transfers_out"],
        "exits": exits,
        "exits_by_group": {g: t.groups[g] for g in d.EXIT_GROUP_NAMES},
        "exits_by_category": dict(sorted(t.categories.items())),
        "positive_exits": positive,
        "positive_exit_rate": d.share(positive, exits),
        "emploi_durable_rate": d.share(t.groups[d.EMPLOI_DURABLE], exits),
        "sorties_dynamiques_rate": d.share(sum(t.groups[g] for g in d.SORTIES_DYNAMIQUES), exits),
        "average_duration_days": round(statistics.fmean(t.durations), 1) if t.durations else None,
        "median_duration_days": statistics.median(t.durations) if t.durations else None,
    }
    follow_up = {
        "entries_with_first_appointment": n["entries_with_first_appointment"],
        "entries_without_first_appointment": n["entries"] - n["entries_with_first_appointment"],
    }
    for days in d.FIRST_APPOINTMENT_TARGETS:
        within, due = n[f"first_appointment_under_{days}_days"], n[f"first_appointment_under_{days}_days_due"]
        follow_up[f"first_appointment_under_{days}_days"] = within
        follow_up[f"first_appointment_under_{days}_days_due"] = due
        follow_up[f"first_appointment_under_{days}_days_share"] = d.share(within, due)
    follow_up["contracts_signed"] = n["contracts_signed"]
    follow_up["contracts_signed_in_time"] = n["contracts_signed_in_time"]
    follow_up["contracts_signed_in_time_share"] = d.share(n["contracts_signed_in_time"], n["contracts_signed"])
    by_category = {c: {k: t.barriers[c][k] for k in ("identified", "lifted", "open")} for c in sorted(t.barriers)}
    barriers = {
        "identified": sum(v["identified"] for v in by_category.values()),
        "lifted": sum(v["lifted"] for v in by_category.values()),
        "open": sum(v["open"] for v in by_category.values()),
        "by_category": by_category,
    }
    total = sum(t.themes.values(), Counter())
    workshops = {
        "sessions": total["sessions"],
        "registrations": total["registrations"],
        "attendance": total["attendance"],
        "attendance_rate": d.share(total["attendance"], total["registrations"]),
        "by_theme": {
            theme: {
                **{k: c[k] for k in ("sessions", "capacity", "registrations", "attendance")},
                "attendance_rate": d.share(c["attendance"], c["registrations"]),
            }
            for theme, c in sorted(t.themes.items())
        },
    }
    intros = t.by["introductions_by_outcome"]
    hires = t.by["hires_by_contract"]
    placement = {
        "employers_registered": n["employers_registered"],
        "employers_active": len(t.employers),
        "needs_published": n["needs_published"],
        "needs_open": n["needs_open"],
        "introductions": sum(intros.values()),
        "introductions_by_outcome": dict(sorted(intros.items())),
        "hires": sum(hires.values()),
        "hires_by_contract": dict(sorted(hires.items())),
        "hires_by_sector": dict(sorted(t.by["hires_by_sector"].items())),
        "hires_ended_early": n["hires_ended_early"],
        "six_month_check_ins": n["six_month_check_ins"],
        "still_employed_at_6_months": n["still_employed_at_6_months"],
        "still_employed_at_6_months_share": d.share(n["still_employed_at_6_months"], n["six_month_check_ins"]),
        "immersions": sum(t.by["immersions_by_outcome"].values()),
        "immersions_by_outcome": dict(sorted(t.by["immersions_by_outcome"].items())),
    }
    cohorts = []
    for month in sorted(t.cohorts):
        c = t.cohorts[month]
        entry: dict = {"month": month, "entered": c["entered"]}
        for months in d.COHORT_MONTHS:
            groups = {g: c[(months, g)] for g in d.EXIT_GROUP_NAMES}
            entry[f"exited_within_{months}_months"] = sum(groups.values())
            entry[f"exits_by_group_within_{months}_months"] = groups
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
        return sorted(s for s in self.tallies if s != DEPARTMENT)

    def of(self, scope: str | None) -> dict:
        """Figures of the department (None) or of one agency (zeros for an agency without facts)."""
        scope = scope or DEPARTMENT
        return figures(self.tallies.get(scope) or Tally(), self.query, scope)


def compute(snapshot: Snapshot, q: Query) -> AllScopes:
    """Every figure of every scope for one query."""
    return AllScopes(q, dict(count(snapshot, q)))


def compute_one(facts: FactSet | Snapshot, q: Query, scope: str | None = None) -> dict:
    """Figures of one scope (tests and the rebuild)."""
    snapshot = facts if isinstance(facts, Snapshot) else Snapshot.of(facts)
    return compute(snapshot, q).of(scope)


def month_ends(as_of: date, months: int) -> list[tuple[date, date]]:
    """(first day, last counted day) of the `months` calendar months up to `as_of`, oldest first."""
    first = as_of.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        month = add_months(first, -back) if back else first
        out.append((month, min(add_months(month, 1) - timedelta(days=1), as_of)))
    return out


def trends(snapshot: Snapshot, as_of: date, months: int, positive_groups: Iterable[str]) -> Trends:
    """Month by month for every scope: entries, exits by group, caseload at the month's end, headline rate."""
    groups = tuple(positive_groups)
    per_month = [
        (first, compute_accompaniments_only(snapshot, Query(first, last, last, groups)))
        for first, last in month_ends(as_of, months)
    ]
    return Trends(as_of, groups, per_month)


@dataclass(frozen=True)
class Trends:
    """Monthly series of every scope."""

    as_of: date
    positive_groups: tuple[str, ...]
    per_month: list[tuple[date, dict[str, Tally]]]

    def of(self, scope: str | None) -> list[dict]:
        """The series of the department (None) or of one agency (zeros where it counted nothing)."""
        scope = scope or DEPARTMENT
        series = []
        for first, tallies in self.per_month:
            t = tallies.get(scope) or Tally()
            exits = sum(t.groups.values())
            series.append(
                {
                    "month": first.strftime("%Y-%m"),
                    "entries": t.n["entries"],
                    "exits": exits,
                    "exits_by_group": {g: t.groups[g] for g in d.EXIT_GROUP_NAMES},
                    "caseload": t.n["caseload"],
                    "positive_exit_rate": d.share(sum(t.groups[g] for g in self.positive_groups), exits),
                }
            )
        return series


def compute_accompaniments_only(snapshot: Snapshot, q: Query) -> dict[str, Tally]:
    """Entries, exits and caseload of every scope (the monthly series need nothing else)."""
    tallies = _Tallies()
    dept = tallies[DEPARTMENT]
    as_of = q.as_of
    for a in snapshot.accompaniments:
        if d.in_caseload(a, as_of):
            dept.n["caseload"] += 1
            tallies[d.agency_on(a, as_of)].n["caseload"] += 1
        if _within(a.start_date, q):
            dept.n["entries"] += 1
            tallies[d.agency_on(a, a.start_date)].n["entries"] += 1
        if _within(a.closed_on, q):
            group = d.exit_group(a.exit_category)
            dept.groups[group] += 1
            tallies[d.agency_on(a, a.closed_on)].groups[group] += 1
    return tallies
