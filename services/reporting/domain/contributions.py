"""What each fact adds to the figures, on which day, at which agency: the definitions applied to the facts.

Facts are grouped in units whose contributions are computed together: a person (their accompaniments and
their introductions, hires and immersions, attributed to the agency following the person on each day), a
need (it is filled by hires of other people), an employer, a workshop session. A contribution is
`(bucket, day, key, n)`:
- COUNT: a fact of that day (an entry, an exit, a lift...), key `(figure, breakdown, agency)`;
- STOCK: +1 / -1 where an interval of a stock starts / ends (caseload, suspended, overdue, open barriers...),
  key `(figure, breakdown, agency)`; a stock on a date sums the changes up to it;
- DURATION: an exit's duration, key `(agency, days)`;
- ACTIVITY: an employer active that day, key `(agency, employer_id)`;
- ENTRY: an entry with what the first-appointment shares and cohorts need, key `(agency, EntryDetail)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from services.reporting.domain import definitions as d
from services.reporting.domain.facts import (
    Accompaniment,
    Employer,
    Hire,
    Immersion,
    Introduction,
    Need,
    WorkshopSession,
)

COUNT, STOCK, DURATION, ACTIVITY, ENTRY = range(5)
Contribution = tuple[int, date, tuple, int]


class EntryDetail(NamedTuple):
    """An entry as the first-appointment shares and the cohorts read it (dates from which it counts)."""

    month: str
    first_held: date | None
    targets: tuple[tuple[date, date | None], ...]  # (due from, within from) of each first-appointment target
    exited: tuple[date | None, ...]  # the day it counts as exited within each cohort horizon
    exit_group: str | None


def entry_dates(e: EntryDetail) -> list[date | None]:
    """Every date an entry's counts depend on: counted in full as of any date after them."""
    return [e.first_held, *(x for target in e.targets for x in target), *e.exited]


def _count(day: date, figure: str, agency: str | None, breakdown: str = "", n: int = 1) -> Contribution:
    return (COUNT, day, (figure, breakdown, agency), n)


def _stock(interval: d.Interval, figure: str, agency: str | None, breakdown: str = "") -> list[Contribution]:
    start, end = interval
    key = (figure, breakdown, agency)
    return [(STOCK, start, key, 1)] + ([(STOCK, end, key, -1)] if end is not None else [])


def _split(interval: d.Interval | None, periods: Sequence[d.Period]) -> list[tuple[d.Interval, str]]:
    """An interval cut by the agency periods: each part at the agency of its days."""
    if interval is None:
        return []
    out = []
    for since, until, agency in periods:
        part = d.within(interval, (since or interval[0], until))
        if part is not None:
            out.append((part, agency))
    return out


def person(accompaniments: Sequence[Accompaniment], placements: Iterable) -> list[Contribution]:
    """A person's contributions; `accompaniments` sorted by start date, `placements` their placement facts."""
    out: list[Contribution] = []
    for a in accompaniments:
        out.extend(_accompaniment(a, accompaniments))
    for fact in placements:
        out.extend(_placement(fact, accompaniments))
    return out


def _accompaniment(a: Accompaniment, same_person: Sequence[Accompaniment]) -> list[Contribution]:
    periods = d.agency_periods(a)
    at = (lambda day: d.agency_on(a, day)) if a.transfers else (lambda day: a.agency_id)
    out: list[Contribution] = []
    for interval, agency in _split(d.caseload_interval(a), periods):
        out += _stock(interval, "caseload", agency)
    for suspended in d.suspended_intervals(a):
        for interval, agency in _split(suspended, periods):
            out += _stock(interval, "suspended", agency)
    for overdue in d.overdue_intervals(a):
        for interval, agency in _split(overdue, periods):
            out += _stock(interval, "overdue", agency)
    start, agency = a.start_date, at(a.start_date)
    out.append(_count(start, "entries", agency))
    if d.is_return(a, same_person):
        out.append(_count(start, "returns", agency))
    group = d.exit_group(a.exit_category) if a.closed_on is not None else None
    detail = EntryDetail(
        start.strftime("%Y-%m"),
        d.first_appointment(a),
        tuple(d.first_appointment_target(a, days) for days in d.FIRST_APPOINTMENT_TARGETS),
        tuple(d.cohort_exit_on(a, months) for months in d.COHORT_MONTHS),
        group,
    )
    out.append((ENTRY, start, (agency, detail), 1))
    if a.closed_on is not None:
        closed, agency = a.closed_on, at(a.closed_on)
        out.append(_count(closed, "exits_by_group", agency, group))
        out.append(_count(closed, "exits_by_category", agency, a.exit_category))
        out.append((DURATION, closed, (agency, d.duration_days(a)), 1))
    out += [_count(r.renewed_on, "renewals", at(r.renewed_on)) for r in a.renewals]
    out += [_count(s.suspended_on, "suspensions", at(s.suspended_on)) for s in a.suspensions]
    for t in a.transfers:
        out.append(_count(t.transferred_on, "transfers_in", t.to_agency_id))
        out.append(_count(t.transferred_on, "transfers_out", t.from_agency_id))
    for c in a.contracts:
        agency = at(c.signed_on)
        out.append(_count(c.signed_on, "contracts_signed", agency))
        if d.contract_in_time(a, c):
            out.append(_count(c.signed_on, "contracts_signed_in_time", agency))
    for b in a.barriers:
        out.append(_count(b.identified_on, "barriers_identified", at(b.identified_on), b.category))
        if b.lifted_on is not None:
            out.append(_count(b.lifted_on, "barriers_lifted", at(b.lifted_on), b.category))
        for interval, agency in _split(d.barrier_open_interval(a, b), periods):
            out += _stock(interval, "barriers_open", agency, b.category)
    return out


def _placement(fact, accompaniments: Sequence[Accompaniment]) -> list[Contribution]:
    def at(day: date) -> str:
        return d.person_agency_on(accompaniments, day, fact.agency_id)

    out: list[Contribution] = []
    if isinstance(fact, Introduction):
        agency = at(fact.introduced_on)
        out.append(_count(fact.introduced_on, "introductions_by_outcome", agency, fact.outcome or "pending"))
        out.append((ACTIVITY, fact.introduced_on, (agency, fact.employer_id), 1))
    elif isinstance(fact, Hire):
        agency = at(fact.start_date)
        out.append(_count(fact.start_date, "hires_by_contract", agency, fact.contract_type))
        out.append(_count(fact.start_date, "hires_by_sector", agency, fact.sector))
        out.append((ACTIVITY, fact.start_date, (agency, fact.employer_id), 1))
        if fact.ended_early_on is not None:
            out.append(_count(fact.ended_early_on, "hires_ended_early", at(fact.ended_early_on)))
        check_in = d.still_employed_check_in(fact)
        if check_in is not None:
            agency = at(check_in.checked_on)
            out.append(_count(check_in.checked_on, "six_month_check_ins", agency))
            if check_in.still_employed:
                out.append(_count(check_in.checked_on, "still_employed_at_6_months", agency))
    elif isinstance(fact, Immersion):
        out.append(_count(fact.start_date, "immersions_by_outcome", at(fact.start_date), fact.outcome or "in_progress"))
    return out


def need(n: Need, hires: Sequence[Hire]) -> list[Contribution]:
    """A need: published on its day, open until filled (by its hires) or closed, its employer active."""
    return [
        _count(n.published_on, "needs_published", n.agency_id),
        (ACTIVITY, n.published_on, (n.agency_id, n.employer_id), 1),
        *_stock(d.need_open_interval(n, d.need_filled_on(n, hires)), "needs_open", n.agency_id),
    ]


def employer(e: Employer) -> list[Contribution]:
    """An employer: in the network from its registration, active on each contact's day."""
    return [
        *_stock((e.registered_on, None), "employers_registered", e.agency_id),
        *((ACTIVITY, c.contact_date, (c.agency_id, e.employer_id), 1) for c in e.contacts),
    ]


def session(s: WorkshopSession) -> list[Contribution]:
    """A workshop session on its day, at its agency, by theme."""
    registered = sum(1 for p in s.participants if p.registered_on is not None)
    present = sum(1 for p in s.participants if p.attended)
    day, agency, theme = s.session_date, s.agency_id, s.theme
    return [
        _count(day, "workshop_sessions", agency, theme),
        _count(day, "workshop_capacity", agency, theme, s.capacity),
        *([_count(day, "workshop_registrations", agency, theme, registered)] if registered else []),
        *([_count(day, "workshop_attendance", agency, theme, present)] if present else []),
    ]
