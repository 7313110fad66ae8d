"""The figures' day-by-day sums, kept current as facts change, and frozen in an instant for computing.

Each unit of facts (a person, a need, an employer, a session) has its contributions (`contributions.py`);
when a fact changes, its units' old contributions are taken out of the day sums and the new ones put in, so
an event costs the contributions of one person, never a pass over the department. Day sums are copied on
write: a `Snapshot` shares the sums of the moment and is never changed after, so it can be read by another
thread while the ledger moves on.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.reporting.domain import contributions as c
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

# COUNT and STOCK are also summed by month (keyed by the month's first day), so a period or a stock on a date
# adds up a few months and the days around them instead of every day.
MONTHLY = {c.COUNT: 5, c.STOCK: 6}
BUCKETS = 7
RECENT_PARTS = 2  # the parts of a sum most likely to have changed since the last computation (the latest days)
Unit = tuple[str, str]
PERSON_KINDS = (Accompaniment, Introduction, Hire, Immersion)


_DAY = timedelta(days=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_end(day: date) -> date:
    return _next_month(day) - _DAY


class Memo(OrderedDict):
    """Partial sums kept between computations, the least recently used dropped beyond `size`."""

    def __init__(self, size: int = 2048) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


@dataclass
class EntrySummary:
    """A day's entries summed as counted once every date they depend on has passed (`complete_from`)."""

    counter: Counter
    complete_from: date
    counts: Counter

    @classmethod
    def of(cls, counter: Counter) -> EntrySummary:
        from services.reporting.domain.indicators import entry_counts  # the counting rule lives there

        counts: Counter = Counter()
        latest = date.min
        for (agency, detail), n in counter.items():
            latest = max(latest, *(x for x in c.entry_dates(detail) if x is not None))
            entry_counts(counts, agency, detail, n, date.max)
        return cls(counter, latest, counts)


@dataclass
class MonthSummary:
    """A month's entry summaries added up; `days` to fall back on when its dates have not all passed."""

    parts: tuple[Counter, ...]
    complete_from: date
    counts: Counter
    days: list[EntrySummary]


@dataclass(frozen=True)
class Snapshot:
    """The day sums at one generation of the facts: for each bucket, days (sorted) and their counters."""

    generation: tuple[int, ...]
    buckets: tuple[dict[date, Counter], ...]
    days: tuple[list[date], ...]
    summaries: dict = field(default_factory=dict, repr=False, compare=False)

    def between(self, bucket: int, start: date | None, end: date) -> Iterable[Counter]:
        """The counters of the days from `start` (None: the first) to `end`, included (whole months at once
        for the buckets also summed by month)."""
        monthly = MONTHLY.get(bucket)
        if monthly is None:
            return self._days(bucket, start, end)
        first_month = start if start is None or start.day == 1 else _next_month(start)
        last_month = end.replace(day=1) if end != _month_end(end) else _next_month(end)
        # Whole months first_month .. last_month (excluded), days around them.
        if first_month is not None and first_month >= last_month:
            return self._days(bucket, start, end)
        before = [] if first_month is None or start == first_month else self._days(bucket, start, first_month - _DAY)
        after = [] if last_month > end else self._days(bucket, last_month, end)
        months = self._days(monthly, first_month, last_month - _DAY)
        return [*before, *months, *after]

    def total(self, bucket: int, start: date | None, end: date) -> Counter:
        """The sum of `between`: the older parts' sum is kept from one generation to the next while those parts
        are the same objects (the day sums are copied on write), only the most recent ones are added again."""
        parts = self.between(bucket, start, end)
        stable, recent = parts[:-RECENT_PARTS], parts[-RECENT_PARTS:]
        key = ("total", bucket, start, end)
        cached = self.summaries.get(key)
        same = cached is not None and len(cached[0]) == len(stable)
        if not same or any(a is not b for a, b in zip(cached[0], stable, strict=True)):
            base: Counter = Counter()
            for counter in stable:
                base.update(counter)
            cached = (stable, base)
        self.summaries[key] = cached
        out = Counter(cached[1])
        for counter in recent:
            out.update(counter)
        return out

    def _days(self, bucket: int, start: date | None, end: date) -> list[Counter]:
        days = self.days[bucket]
        lo = 0 if start is None else bisect_left(days, start)
        sums = self.buckets[bucket]
        return [sums[day] for day in days[lo : bisect_right(days, end)]]

    def entry_summary(self, day: date) -> EntrySummary:
        """The entries of a day counted as of any date after every date they depend on (computed once per
        state of the day: the counters are never changed once shared)."""
        counter = self.buckets[c.ENTRY][day]
        cached = self.summaries.get(day)
        if cached is None or cached.counter is not counter:
            cached = self.summaries[day] = EntrySummary.of(counter)
        return cached

    def entry_summaries(self, start: date, end: date) -> Iterable[EntrySummary]:
        """Summaries of the entries of the days from `start` to `end`: whole months at once."""
        days = self.days[c.ENTRY]
        day_list = days[bisect_left(days, start) : bisect_right(days, end)]
        by_month: dict[date, list[date]] = {}
        for day in day_list:
            by_month.setdefault(day.replace(day=1), []).append(day)
        for month, month_days in by_month.items():
            whole = month >= start and _month_end(month) <= end
            if not whole:
                yield from (self.entry_summary(day) for day in month_days)
                continue
            parts = [self.entry_summary(day) for day in month_days]
            key = ("month", month)
            cached = self.summaries.get(key)
            if cached is None or cached.parts != tuple(p.counter for p in parts):
                counts: Counter = Counter()
                for part in parts:
                    counts.update(part.counts)
                cached = self.summaries[key] = MonthSummary(
                    tuple(p.counter for p in parts), max(p.complete_from for p in parts), counts, parts
                )
            yield cached

    @classmethod
    def of(cls, facts: FactSet, generation: tuple[int, ...] = (0,)) -> Snapshot:
        """The snapshot of a whole set of facts (a rebuild, a test)."""
        ledger = Ledger()
        ledger.update(facts, ((kind, key) for kind, by_id in facts.by_kind.items() for key in by_id))
        return ledger.snapshot(generation)


class Ledger:
    """Day sums of every contribution, by bucket; the contributions of each unit, to take them out again."""

    def __init__(self) -> None:
        self._sums: list[dict[date, Counter]] = [{} for _ in range(BUCKETS)]
        self._private: list[set[date]] = [set() for _ in range(BUCKETS)]  # days no snapshot shares
        self._units: dict[Unit, list[c.Contribution]] = {}
        self._summaries: dict = Memo()  # sums shared by the snapshots, computed once per state of their parts
        self._people: dict[str, set[tuple[type, str]]] = defaultdict(set)
        self._need_hires: dict[str, set[str]] = defaultdict(set)

    def update(self, facts: FactSet, changed: Iterable[tuple[type, str]]) -> int:
        """Take in changed facts (kind, id); returns the number of units recounted."""
        dirty: set[Unit] = set()
        for kind, key in changed:
            fact = facts.get(kind, key)
            if fact is None:
                continue
            if kind in PERSON_KINDS:
                self._people[fact.beneficiary_id].add((kind, key))
                dirty.add(("person", fact.beneficiary_id))
                if kind is Hire and fact.need_id is not None:
                    self._need_hires[fact.need_id].add(key)
                    dirty.add(("need", fact.need_id))
            elif kind is Need:
                dirty.add(("need", key))
            elif kind is Employer:
                dirty.add(("employer", key))
            elif kind is WorkshopSession:
                dirty.add(("session", key))
        changes: dict[tuple[int, date], Counter] = defaultdict(Counter)
        for unit in dirty:
            new = self._contributions(facts, unit)
            old = self._units.get(unit, [])
            if old == new:
                continue
            for bucket, day, key, n in old:
                changes[(bucket, day)][key] -= n
            for bucket, day, key, n in new:
                changes[(bucket, day)][key] += n
            self._units[unit] = new
        for (bucket, day), counts in changes.items():
            self._apply(bucket, day, counts)
            monthly = MONTHLY.get(bucket)
            if monthly is not None:
                self._apply(monthly, day.replace(day=1), counts)
        return len(dirty)

    def _contributions(self, facts: FactSet, unit: Unit) -> list[c.Contribution]:
        kind, key = unit
        if kind == "person":
            held = [facts.get(k, i) for k, i in self._people[key]]
            accompaniments = sorted(
                (f for f in held if isinstance(f, Accompaniment)), key=lambda a: (a.start_date, a.accompaniment_id)
            )
            return c.person(accompaniments, [f for f in held if not isinstance(f, Accompaniment)])
        if kind == "need":
            need = facts.get(Need, key)
            hires = [facts.get(Hire, h) for h in self._need_hires.get(key, ())]
            return c.need(need, hires) if need is not None else []
        if kind == "employer":
            return c.employer(facts.get(Employer, key))
        return c.session(facts.get(WorkshopSession, key))

    def _apply(self, bucket: int, day: date, counts: Counter) -> None:
        """Add changes to a day's sums, copying them first if a snapshot shares them."""
        sums, private = self._sums[bucket], self._private[bucket]
        counter = sums.get(day)
        if counter is None:
            counter = sums[day] = Counter()
            private.add(day)
        elif day not in private:
            counter = sums[day] = Counter(counter)
            private.add(day)
        get = counter.get
        for key, n in counts.items():
            if n:
                value = get(key, 0) + n
                if value:
                    counter[key] = value
                else:
                    del counter[key]
        if not counter:
            del sums[day]

    def snapshot(self, generation: tuple[int, ...]) -> Snapshot:
        """Freeze the sums of the moment (cheap: the day counters are shared until changed)."""
        buckets = tuple(dict(s) for s in self._sums)
        for private in self._private:
            private.clear()
        return Snapshot(generation, buckets, tuple(sorted(b) for b in buckets), self._summaries)
