"""Time to rank an agency's candidates for a need: the pure scoring, and the route's path from PostgreSQL.

    python -m bench.matching [--candidates N] [--rounds R] [--limit L] [--seed S]

Generates N candidates of one agency (seeded), stores them through placement's read-model adapter in a
schema of its own (dropped afterwards), then times: ranking in memory (every match explained, and the top
L explained as the route does by default), and loading the agency's active candidates in one query plus
ranking, as `GET /needs/{id}/matches` does. Prints milliseconds per ranking.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import asyncpg
from rich.console import Console
from rich.table import Table

from services.placement.adapters.candidates import PostgresCandidates
from services.placement.adapters.migrations import MIGRATIONS
from services.placement.domain import matching
from services.placement.domain.candidate import Candidate
from services.placement.domain.state import Need
from shared import territory
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import WorkingCondition
from shared.migrations import upgrade
from shared.settings import PlatformSettings

AGENCY = "ali-bench"
APTITUDES = [
    "handling",
    "customer_contact",
    "cleaning",
    "cooking",
    "teamwork",
    "care",
    "sorting",
    "cashier",
    "gardening",
    "maintenance",
    "stock_keeping",
    "reception",
]
RESTRICTIONS = ["no_heavy_lifting", "no_night_work", "no_prolonged_standing", "no_outdoor_work"]
SECTORS = ["catering", "retail", "logistics", "cleaning", "care", "green spaces", "construction"]


def _candidates(count: int, rng: random.Random) -> list[Candidate]:
    communes = sorted(territory.COMMUNES)
    return [
        Candidate(
            beneficiary_id=uuid.UUID(int=rng.getrandbits(128)),
            agency_id=AGENCY,
            commune_code=rng.choice(communes),
            aptitudes=frozenset(rng.sample(APTITUDES, rng.randint(1, 5))),
            available_slots=frozenset(rng.sample(list(TimeSlot), rng.randint(1, 4))),
            max_weekly_hours=rng.choice([15, 20, 24, 28, 35, 39]),
            max_commute_km=rng.choice([3.0, 5.0, 8.0, 10.0, 15.0, 25.0]),
            driving_licence=rng.random() < 0.4,
            health_restrictions=frozenset(rng.sample(RESTRICTIONS, rng.choice([0, 0, 0, 1, 2]))),
            wished_sectors=frozenset(rng.sample(SECTORS, rng.randint(0, 2))),
        )
        for _ in range(count)
    ]


def _need() -> Need:
    return Need(
        id=uuid.uuid4(),
        employer_id=uuid.uuid4(),
        agency_id=AGENCY,
        title="kitchen porter",
        sector="catering",
        tasks=("washing up", "receiving deliveries"),
        weekly_hours=24,
        time_slots=(TimeSlot.MORNING, TimeSlot.AFTERNOON),
        commune_code="93027",
        required_aptitudes=("handling", "cleaning", "teamwork"),
        working_conditions=(WorkingCondition.STANDING, WorkingCondition.HEAVY_LIFTING),
        contract_type=ContractType.CDI,
        duration_months=None,
        positions=2,
        published_on=date.today(),
    )


async def _timed(rounds: int, work: Callable) -> list[float]:
    await work()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def run(count: int, rounds: int, limit: int, seed: int) -> None:
    """Store the candidates, time the rankings, print the table."""
    candidates = _candidates(count, random.Random(seed))
    need = _need()
    schema = f"bench{uuid.uuid4().hex[:8]}_placement"
    settings = PlatformSettings.of("placement")
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    views = PostgresCandidates(schema)
    try:
        await upgrade(settings.database_url, schema, MIGRATIONS)
        async with pool.acquire() as conn, conn.transaction():
            for c in candidates:
                await views.save_profile(
                    conn, c, accompaniment_id=uuid.uuid4(), version=1, recorded_at=datetime.now(UTC)
                )

        async def in_memory_all():
            matching.rank(need, candidates)

        async def in_memory_top():
            matching.rank(need, candidates, limit=limit)

        async def from_database():
            async with pool.acquire() as conn:
                loaded = await views.active_in_agency(conn, AGENCY)
            assert len(loaded) == count
            matching.rank(need, loaded, limit=limit)

        rows = [
            (f"rank in memory, all {count} explained", await _timed(rounds, in_memory_all)),
            (f"rank in memory, top {limit} explained", await _timed(rounds, in_memory_top)),
            (f"load from PostgreSQL + rank, top {limit}", await _timed(rounds, from_database)),
        ]
    finally:
        await pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await pool.close()
    table = Table(title=f"Matching {count} candidates of one agency for one need ({rounds} rounds)")
    table.add_column("path")
    table.add_column("median ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for label, times in rows:
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
        table.add_row(label, f"{statistics.median(times):.1f}", f"{p95:.1f}")
    Console().print(table)


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--seed", type=int, default=93)
    args = parser.parse_args()
    asyncio.run(run(args.candidates, args.rounds, args.limit, args.seed))


if __name__ == "__main__":
    main()
