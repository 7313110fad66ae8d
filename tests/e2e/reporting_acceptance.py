"""The department's acceptance scenario for the indicators: about 130 people in 6 agencies over two years,
described plainly, and a tally of every figure counted from that description alone.

The tally restates the department's definitions (DOMAIN.md, "Indicator definitions") in the simplest terms,
person by person; it imports nothing from the reporting service. `test_reporting_acceptance.py` plays the
scenario through the public HTTP APIs and compares the tally with `/indicators` and `/indicators.csv`.
"""

from __future__ import annotations

import calendar
import random
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.contracts import labels
from shared.contracts.exits import ExitCategory

AGENCIES = {  # agency -> a commune it covers
    "ali-la-courneuve": "93027",
    "ali-clichy-sous-bois": "93014",
    "ali-aubervilliers": "93001",
    "ali-bobigny": "93008",
    "ali-montreuil": "93048",
    "ali-saint-ouen": "93070",
}
BARRIERS = ["mobility", "housing", "health", "french_language", "digital_skills"]
SORTIES_DYNAMIQUES = {"emploi_durable", "emploi_transition", "sortie_positive"}


def plus_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Hire:
    """A hire after an introduction."""

    start: date
    contract: str
    months: int | None
    six_month_check: tuple[date, bool] | None = None
    ended_early: date | None = None


@dataclass
class Placement:
    """A need of the person's agency, the introduction, and what came of it."""

    agency: str
    published: date
    positions: int
    introduced: date
    decided: date
    hire: Hire | None
    need_closed_today: bool = False


@dataclass
class Person:
    """Everything that happens to one person, in the order it is entered."""

    index: int
    agency: str
    orientation: date
    start: date
    appointments: list[date] = field(default_factory=list)  # in the order they are entered
    contract: date | None = None
    barriers: list[tuple[str, date, date | None]] = field(default_factory=list)  # category, identified, lifted
    transfer: tuple[date, str] | None = None
    suspension: tuple[date, date | None] | None = None
    renewal: date | None = None
    placement: Placement | None = None
    immersion: tuple[date, date, str | None] | None = None  # start, end, outcome
    closure: tuple[date, str] | None = None
    # Referred again after the exit (orientation, start): a return opens a second accompaniment, at the agency
    # that followed the person last.
    comeback: tuple[date, date] | None = None

    def agency_on(self, day: date) -> str:
        """The agency following the person that day."""
        if self.transfer and day >= self.transfer[0]:
            return self.transfer[1]
        return self.agency

    @property
    def planned_end(self) -> date:
        return plus_months(self.start, 12)


@dataclass
class Session:
    """A workshop session: who registered, who came."""

    agency: str
    day: date
    theme: str
    registered: list[int]
    present: list[int]


@dataclass
class Scenario:
    """The whole scenario."""

    today: date
    people: list[Person]
    sessions: list[Session]
    contacts: dict[str, list[date]]  # one employer per agency, its contacts


def scenario(today: date, seed: int = 2024, size: int = 130) -> Scenario:
    """The scenario, drawn from a seed: the same seed and day give the same scenario."""
    rng = random.Random(seed)
    w0 = today - timedelta(days=700)
    agencies = list(AGENCIES)
    people = []
    for i in range(size):
        agency = agencies[i % len(agencies)]
        orientation = w0 + timedelta(days=rng.randint(0, 630))
        start = min(orientation + timedelta(days=rng.randint(0, 10)), today - timedelta(days=40))
        p = Person(i, agency, orientation, start)
        end = today - timedelta(days=1)
        if rng.random() < 0.45:
            closed = start + timedelta(days=rng.randint(25, 520))
            if closed <= today - timedelta(days=2):
                p.closure = (closed, rng.choice(list(ExitCategory)).value)
                end = closed - timedelta(days=1)
        span = (end - start).days
        used: list[date] = []

        def day_within(lo: int, hi: int, start: date = start, end: date = end) -> date | None:
            d = start + timedelta(days=rng.randint(lo, hi))
            return d if d <= end else None

        roll = rng.random()
        count = 0 if roll < 0.1 else 1 if roll < 0.7 else 2
        days = sorted(filter(None, (day_within(0, 45) for _ in range(count))))
        if len(days) == 2 and rng.random() < 0.5:
            days.reverse()  # the later appointment is entered first
        p.appointments = days
        used += days
        if rng.random() < 0.85:
            signed = max(start, orientation + timedelta(days=rng.choice([3, 20, 28, 29, 30, 31, 33, 45, 70])))
            if signed <= end:
                p.contract = signed
                used.append(signed)
        for category in rng.sample(BARRIERS, k=rng.choice([0, 1, 1, 2])):
            identified = day_within(1, 90)
            if identified is None:
                continue
            lifted = identified + timedelta(days=rng.randint(15, 160))
            lifted = lifted if lifted <= end and rng.random() < 0.55 else None
            p.barriers.append((category, identified, lifted))
            used += [identified] + ([lifted] if lifted else [])
            if lifted and rng.random() < 0.4:
                again = lifted + timedelta(days=rng.randint(1, 60))
                if again <= end:
                    lifted_again = again + timedelta(days=rng.randint(10, 90))
                    lifted_again = lifted_again if lifted_again <= end and rng.random() < 0.4 else None
                    p.barriers.append((category, again, lifted_again))
                    used += [again] + ([lifted_again] if lifted_again else [])
        if span > 60 and rng.random() < 0.15:
            moved = start + timedelta(days=rng.randint(20, min(span - 5, 300)))
            p.transfer = (moved, rng.choice([a for a in agencies if a != agency]))
            used.append(moved)
        if p.closure is None or p.closure[0] > p.planned_end - timedelta(days=50):
            if rng.random() < 0.6:
                renewed = p.planned_end - timedelta(days=rng.randint(0, 55))
                if start < renewed <= end:
                    p.renewal = renewed
                    used.append(renewed)
        if span > 40 and rng.random() < 0.25:
            on = start + timedelta(days=rng.randint(15, min(span - 10, 250)))
            intro_agency = p.agency_on(on)
            published = on - timedelta(days=rng.randint(0, 5))
            hire = None
            if rng.random() < 0.6:
                begins = on + timedelta(days=rng.randint(0, 10))
                if begins <= end:
                    contract, months = rng.choice([("cdi", None), ("cdd", 3), ("cdd", 8)])
                    hire = Hire(begins, contract, months)
                    six = begins + timedelta(days=183)
                    if rng.random() < 0.2:
                        ended = begins + timedelta(days=rng.randint(10, 60))
                        if ended <= today - timedelta(days=1):
                            hire.ended_early = ended
                    if hire.ended_early is None and six <= today - timedelta(days=1):
                        hire.six_month_check = (six, rng.random() < 0.8)
            positions = 2 if rng.random() < 0.3 else 1
            p.placement = Placement(
                intro_agency,
                published,
                positions,
                on,
                on + timedelta(days=rng.randint(0, 3)) if hire is None else hire.start,
                hire,
                need_closed_today=hire is None and rng.random() < 0.4,
            )
            if p.placement.decided > today - timedelta(days=1):
                p.placement.decided = today - timedelta(days=1)
            used += [published, on]
        if span > 30 and rng.random() < 0.1:
            begins = start + timedelta(days=rng.randint(5, min(span - 20, 200)))
            ends = begins + timedelta(days=13)
            outcome = rng.choice(["hired", "training", "no_follow_up"]) if ends <= end else None
            p.immersion = (begins, ends, outcome)
        if span > 80 and rng.random() < 0.12:
            last = max(used, default=start)
            for _ in range(10):
                since = start + timedelta(days=rng.randint(10, span - 20))
                until = since + timedelta(days=rng.randint(7, 60))
                if until < end and not any(since <= d <= until for d in used):
                    p.suspension = (since, until)
                    break
            else:
                if p.closure is None and last < end:
                    p.suspension = (last + timedelta(days=1), None)
        if p.closure and p.closure[0] <= today - timedelta(days=60) and rng.random() < 0.2:
            oriented = p.closure[0] + timedelta(days=rng.randint(20, 50))
            p.comeback = (oriented, min(today - timedelta(days=1), oriented + timedelta(days=rng.randint(0, 5))))
        people.append(p)
    sessions = []
    for agency in agencies:
        followed = [
            p
            for p in people
            if p.closure is None and p.agency_on(today) == agency and (p.suspension is None or p.suspension[1])
        ]
        for k in range(2):
            day = w0 + timedelta(days=rng.randint(100, 690))
            seats = rng.sample(followed, k=min(len(followed), rng.randint(3, 8)))
            present = [p.index for p in seats if rng.random() < 0.75]
            sessions.append(
                Session(agency, day, ["self_confidence", "cover_letters"][k], [p.index for p in seats], present)
            )
    contacts = {a: sorted(w0 + timedelta(days=rng.randint(0, 690)) for _ in range(rng.randint(1, 3))) for a in agencies}
    return Scenario(today, people, sessions, contacts)


def _group(category: str) -> str:
    return ExitCategory(category).group.value


@dataclass(frozen=True)
class Query:
    """A period and an as-of date."""

    start: date
    end: date
    as_of: date


def tally(s: Scenario, q: Query, agency: str | None) -> dict[str, object]:
    """Every compared figure of one scope, counted from the scenario's description."""

    def mine(p: Person, day: date) -> bool:
        return agency is None or p.agency_on(day) == agency

    def inside(day: date | None) -> bool:
        return day is not None and q.start <= day <= q.end

    as_of = q.as_of
    out: dict[str, object] = {}
    # Returns: the second accompaniment of a person who came back, at the agency that followed them last.
    back = [p for p in s.people if p.comeback]

    def back_agency(p: Person) -> str:
        return p.agency_on(p.closure[0])

    back_in_caseload = [p for p in back if p.comeback[1] <= as_of and agency in (None, back_agency(p))]
    in_caseload = [
        p for p in s.people if p.start <= as_of and (p.closure is None or p.closure[0] > as_of) and mine(p, as_of)
    ]
    out["caseload"] = len(in_caseload) + len(back_in_caseload)
    out["suspended"] = sum(
        1 for p in in_caseload if p.suspension and p.suspension[0] <= as_of and (p.suspension[1] or date.max) > as_of
    )

    def planned_end(p: Person) -> date:
        if p.renewal and p.renewal <= as_of:
            return plus_months(max(p.planned_end, p.renewal), 12)
        return p.planned_end

    # A returned person's second accompaniment runs for a period from its own start (never renewed here).
    out["overdue"] = sum(1 for p in in_caseload if planned_end(p) < as_of) + sum(
        1 for p in back_in_caseload if plus_months(p.comeback[1], 12) < as_of
    )
    entries = [p for p in s.people if inside(p.start) and mine(p, p.start)]
    returns = [p for p in back if inside(p.comeback[1]) and agency in (None, back_agency(p))]
    out["entries"] = len(entries) + len(returns)
    out["returns"] = len(returns)
    out["renewals"] = sum(1 for p in s.people if inside(p.renewal) and mine(p, p.renewal))
    out["suspensions"] = sum(
        1 for p in s.people if p.suspension and inside(p.suspension[0]) and mine(p, p.suspension[0])
    )
    moves = [p.transfer + (p.agency,) for p in s.people if p.transfer and inside(p.transfer[0])]
    out["transfers_in"] = sum(1 for _, to, _ in moves if agency in (None, to))
    out["transfers_out"] = sum(1 for _, _, frm in moves if agency in (None, frm))
    exits = [p for p in s.people if p.closure and inside(p.closure[0]) and mine(p, p.closure[0])]
    groups = [_group(p.closure[1]) for p in exits]
    out["exits"] = len(exits)
    for g in ("emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie"):
        out[f"exits_by_group.{g}"] = groups.count(g)
    categories = sorted({p.closure[1] for p in exits})
    out["exits_by_category"] = {c: sum(1 for p in exits if p.closure[1] == c) for c in categories}
    dynamic = sum(1 for g in groups if g in SORTIES_DYNAMIQUES)
    out["positive_exits"] = dynamic
    out["positive_exit_rate"] = round(dynamic / len(exits), 4) if exits else None
    out["emploi_durable_rate"] = round(groups.count("emploi_durable") / len(exits), 4) if exits else None
    durations = [(p.closure[0] - p.start).days for p in exits]
    out["average_duration_days"] = round(statistics.fmean(durations), 1) if durations else None
    out["median_duration_days"] = statistics.median(durations) if durations else None
    # Follow-up: the first appointment is the earliest held, whatever the order it was entered in.
    with_first = 0
    for target in (15, 30):
        within = due = 0
        for p in entries:
            held = [d for d in p.appointments if d <= as_of]
            first = min(held) if held else None
            if first is not None and (first - p.orientation).days <= target - 1:
                within += 1
            if first is not None or (as_of - p.orientation).days >= target:
                due += 1
        # A return has no appointment in the scenario: in the population once its target has passed.
        due += sum(1 for p in returns if (as_of - p.comeback[0]).days >= target)
        out[f"first_appointment_under_{target}_days"] = within
        out[f"first_appointment_under_{target}_days_due"] = due
        out[f"first_appointment_under_{target}_days_share"] = round(within / due, 4) if due else None
    with_first = sum(1 for p in entries if any(d <= as_of for d in p.appointments))
    out["entries_with_first_appointment"] = with_first
    out["entries_without_first_appointment"] = len(entries) + len(returns) - with_first
    signed = [p for p in s.people if inside(p.contract) and mine(p, p.contract)]
    in_time = [p for p in signed if p.contract <= plus_months(p.orientation, 1)]
    out["contracts_signed"] = len(signed)
    out["contracts_signed_in_time"] = len(in_time)
    out["contracts_signed_in_time_share"] = round(len(in_time) / len(signed), 4) if signed else None
    # Barriers: each identification is one barrier.
    identified, lifted, open_ = {}, {}, {}
    for p in s.people:
        for category, on, lift in p.barriers:
            if inside(on) and mine(p, on):
                identified[category] = identified.get(category, 0) + 1
            if inside(lift) and mine(p, lift):
                lifted[category] = lifted.get(category, 0) + 1
            if p in in_caseload and on <= as_of and (lift is None or lift > as_of):
                open_[category] = open_.get(category, 0) + 1
    out["barriers.identified"] = sum(identified.values())
    out["barriers.lifted"] = sum(lifted.values())
    out["barriers.open"] = sum(open_.values())
    out["barriers.by_category"] = {
        c: {"identified": identified.get(c, 0), "lifted": lifted.get(c, 0), "open": open_.get(c, 0)}
        for c in sorted(set(identified) | set(lifted) | set(open_))
    }
    held = [x for x in s.sessions if inside(x.day) and agency in (None, x.agency)]
    out["workshops.sessions"] = len(held)
    out["workshops.registrations"] = sum(len(x.registered) for x in held)
    out["workshops.attendance"] = sum(len(x.present) for x in held)
    # Placement: facts count at the agency following the person on their day.
    placements = [p for p in s.people if p.placement]
    out["needs_published"] = sum(
        1 for p in placements if inside(p.placement.published) and agency in (None, p.placement.agency)
    )

    def need_open(p: Person) -> bool:
        pl = p.placement
        filled = pl.hire.start if pl.hire and pl.positions == 1 else None
        closed = s.today if pl.need_closed_today else None
        return pl.published <= as_of and (filled is None or filled > as_of) and (closed is None or closed > as_of)

    out["needs_open"] = sum(1 for p in placements if agency in (None, p.placement.agency) and need_open(p))
    outcomes: dict[str, int] = {}
    for p in placements:
        if inside(p.placement.introduced) and mine(p, p.placement.introduced):
            outcome = "hired" if p.placement.hire else "not_hired"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    out["introductions_by_outcome"] = dict(sorted(outcomes.items()))
    hires = [
        p for p in placements if p.placement.hire and inside(p.placement.hire.start) and mine(p, p.placement.hire.start)
    ]
    contracts: dict[str, int] = {}
    for p in hires:
        contracts[p.placement.hire.contract] = contracts.get(p.placement.hire.contract, 0) + 1
    out["hires"] = len(hires)
    out["hires_by_contract"] = dict(sorted(contracts.items()))
    hired = [p for p in placements if p.placement.hire]
    out["hires_ended_early"] = sum(
        1 for p in hired if inside(p.placement.hire.ended_early) and mine(p, p.placement.hire.ended_early)
    )
    checks = [p for p in hired if p.placement.hire.six_month_check]
    checked = [
        p
        for p in checks
        if inside(p.placement.hire.six_month_check[0]) and mine(p, p.placement.hire.six_month_check[0])
    ]
    out["six_month_check_ins"] = len(checked)
    out["still_employed_at_6_months"] = sum(1 for p in checked if p.placement.hire.six_month_check[1])
    immersions: dict[str, int] = {}
    for p in s.people:
        if p.immersion and inside(p.immersion[0]) and mine(p, p.immersion[0]):
            key = p.immersion[2] or "in_progress"
            immersions[key] = immersions.get(key, 0) + 1
    out["immersions_by_outcome"] = dict(sorted(immersions.items()))
    out["employers_registered"] = (1 if agency else len(AGENCIES)) if s.today <= as_of else 0
    active = set()
    for a, days in s.contacts.items():
        if agency in (None, a) and any(inside(d) for d in days):
            active.add(a)
    for p in placements:
        pl = p.placement
        if agency in (None, pl.agency) and inside(pl.published):
            active.add(pl.agency)
        if inside(pl.introduced) and mine(p, pl.introduced):
            active.add(pl.agency)
        if pl.hire and inside(pl.hire.start) and mine(p, pl.hire.start):
            active.add(pl.agency)
    out["employers_active"] = len(active)
    return out


# The accompaniments' figures compared one by one (their breakdowns are compared apart).
ACCOMPANIMENT_FIGURES = (
    "caseload",
    "suspended",
    "overdue",
    "entries",
    "returns",
    "renewals",
    "suspensions",
    "transfers_in",
    "transfers_out",
    "exits",
    "positive_exits",
    "positive_exit_rate",
    "emploi_durable_rate",
    "average_duration_days",
    "median_duration_days",
)


def reported(figures: dict) -> dict[str, object]:
    """The same figures read from an `/indicators` answer."""
    a, f, b, w, pl = (figures[k] for k in ("accompaniments", "follow_up", "barriers", "workshops", "placement"))
    out: dict[str, object] = {k: a[k] for k in (*ACCOMPANIMENT_FIGURES, "exits_by_category")}
    out |= {f"exits_by_group.{g}": n for g, n in a["exits_by_group"].items()}
    out |= {k: f[k] for k in f}
    out |= {"barriers.identified": b["identified"], "barriers.lifted": b["lifted"], "barriers.open": b["open"]}
    out["barriers.by_category"] = b["by_category"]
    out |= {f"workshops.{k}": w[k] for k in ("sessions", "registrations", "attendance")}
    out |= {
        k: pl[k]
        for k in (
            "needs_published",
            "needs_open",
            "introductions_by_outcome",
            "hires",
            "hires_by_contract",
            "hires_ended_early",
            "six_month_check_ins",
            "still_employed_at_6_months",
            "immersions_by_outcome",
            "employers_registered",
            "employers_active",
        )
    }
    return out


def reported_csv(rows: list[dict]) -> dict[str, object]:
    """The same figures read from an `/indicators.csv` answer (French headers, sections by their French label)."""
    section_of = {french: code for code, french in labels.INDICATOR_SECTIONS.items()}
    value: dict[tuple[str, str, str], str] = {
        (section_of[r["Rubrique"]], r["Indicateur"], r["Ventilation"]): r["Valeur"] for r in rows
    }

    def num(text: str):
        # The export is for a French spreadsheet: decimals carry a comma.
        if text == "":
            return None
        return float(text.replace(",", ".")) if "," in text else int(text)

    def of(section: str, name: str, breakdown: str = ""):
        return num(value[(section, name, breakdown)])

    def breakdown(section: str, name: str) -> dict:
        return {b: num(v) for (s, n, b), v in value.items() if s == section and n == name}

    out: dict[str, object] = {k: of("accompaniments", k) for k in ACCOMPANIMENT_FIGURES}
    out["exits_by_category"] = breakdown("accompaniments", "exits_by_category")
    out |= {f"exits_by_group.{g}": n for g, n in breakdown("accompaniments", "exits_by_group").items()}
    out |= {n: num(v) for (s, n, b), v in value.items() if s == "follow_up"}
    out |= {f"barriers.{k}": of("barriers", k) for k in ("identified", "lifted", "open")}
    categories = {b for (s, n, b) in value if s == "barriers" and n.startswith("by_category.")}
    out["barriers.by_category"] = {
        c: {k: of("barriers", f"by_category.{k}", c) for k in ("identified", "lifted", "open")}
        for c in sorted(categories)
    }
    out |= {f"workshops.{k}": of("workshops", k) for k in ("sessions", "registrations", "attendance")}
    out |= {
        k: of("placement", k)
        for k in (
            "needs_published",
            "needs_open",
            "hires",
            "hires_ended_early",
            "six_month_check_ins",
            "still_employed_at_6_months",
            "employers_registered",
            "employers_active",
        )
    }
    for k in ("introductions_by_outcome", "hires_by_contract", "immersions_by_outcome"):
        out[k] = breakdown("placement", k)
    return out
