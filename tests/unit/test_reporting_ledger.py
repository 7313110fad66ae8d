"""The ledger's day sums: ranges summed by whole months equal the days added one by one, a fact's change
replaces its contributions, and a snapshot never moves once taken."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from services.reporting.domain import contributions as c
from services.reporting.domain.facts import Accompaniment, FactSet
from services.reporting.domain.ledger import MONTHLY, Ledger, Snapshot

DAY0 = date(2024, 1, 1)


def _ledger_with_random_counts(seed: int) -> tuple[Ledger, dict[date, Counter]]:
    rng = random.Random(seed)
    ledger, naive = Ledger(), {}
    for _ in range(3000):
        day = DAY0 + timedelta(days=rng.randint(0, 800))
        key = (rng.choice(["entries", "caseload"]), "", rng.choice(["a", "b", "c"]))
        n = rng.choice([1, 1, 2, -1])
        bucket = c.COUNT if key[0] == "entries" else c.STOCK
        ledger._apply(bucket, day, Counter({key: n}))
        if bucket in MONTHLY:
            ledger._apply(MONTHLY[bucket], day.replace(day=1), Counter({key: n}))
        naive.setdefault((bucket, day), Counter())[key] += n
    return ledger, naive


def test_a_range_summed_by_months_equals_the_sum_of_its_days():
    ledger, naive = _ledger_with_random_counts(1)
    snapshot = ledger.snapshot((1,))
    rng = random.Random(2)
    for _ in range(300):
        start = DAY0 + timedelta(days=rng.randint(-10, 820))
        end = start + timedelta(days=rng.randint(0, 400))
        for bucket, since in ((c.COUNT, start), (c.STOCK, None)):
            got = Counter()
            for counter in snapshot.between(bucket, since, end):
                got.update(counter)
            expected = Counter()
            for (b, day), counter in naive.items():
                if b == bucket and (since is None or since <= day) and day <= end:
                    expected.update(counter)
            assert +got == +expected, (bucket, since, end)


def test_a_snapshot_does_not_move_when_the_ledger_does():
    ledger, _ = _ledger_with_random_counts(3)
    before = ledger.snapshot((1,))
    frozen = {day: Counter(counter) for day, counter in before.buckets[c.COUNT].items()}
    ledger._apply(c.COUNT, DAY0 + timedelta(days=5), Counter({("entries", "", "a"): 7}))
    assert {day: Counter(counter) for day, counter in before.buckets[c.COUNT].items()} == frozen
    after = ledger.snapshot((2,))
    assert (
        after.buckets[c.COUNT][DAY0 + timedelta(days=5)][("entries", "", "a")]
        == frozen.get(DAY0 + timedelta(days=5), Counter())[("entries", "", "a")] + 7
    )


def test_a_changed_fact_replaces_its_contributions():
    facts = FactSet()
    a = Accompaniment("a1", "b1", "ali-x", date(2025, 1, 2), date(2025, 1, 10), date(2026, 1, 10))
    facts.put(Accompaniment, "a1", a)
    ledger = Ledger()
    ledger.update(facts, [(Accompaniment, "a1")])
    facts.put(Accompaniment, "a1", replace(a, closed_on=date(2025, 3, 1), exit_category="cdi"))
    ledger.update(facts, [(Accompaniment, "a1")])
    ledger.update(facts, [(Accompaniment, "a1")])  # again: nothing changes
    assert ledger.snapshot((1,)).buckets == Snapshot.of(facts).buckets


def test_sums_kept_between_generations_follow_changes_to_old_and_recent_days():
    ledger, _ = _ledger_with_random_counts(4)
    start, end = DAY0 + timedelta(days=30), DAY0 + timedelta(days=700)

    def naive(snapshot: Snapshot) -> Counter:
        total = Counter()
        for counter in snapshot.between(c.COUNT, start, end):
            total.update(counter)
        return +total

    for day in (DAY0 + timedelta(days=40), end, DAY0 + timedelta(days=400), end - timedelta(days=1)):
        snapshot = ledger.snapshot((1,))
        assert +snapshot.total(c.COUNT, start, end) == naive(snapshot)
        ledger._apply(c.COUNT, day, Counter({("entries", "", "z"): 3}))
        ledger._apply(MONTHLY[c.COUNT], day.replace(day=1), Counter({("entries", "", "z"): 3}))
    snapshot = ledger.snapshot((2,))
    assert +snapshot.total(c.COUNT, start, end) == naive(snapshot)
    assert snapshot.total(c.COUNT, start, end)[("entries", "", "z")] == 12
