"""`python -m simulation`: build the simulated department through the platform's public APIs.

    python -m simulation                      # the full department (about 17,000 followed), if the platform is empty
    python -m simulation --size small         # a few hundred people, for tests and demos
    python -m simulation --force --seed 7     # even if the platform already holds data

Seeded and reproducible: the same seed and day give the same plan and the same figures. At the end it prints the
figures the plan implies; the dashboard and `GET /indicators` must show the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date

import httpx

from shared.auth import Role, generate_keys, mint_token
from simulation import population
from simulation.driver import Api, SimulationError, play, progress_bar

SIZES = {"full": population.DEPARTMENT_CASELOAD, "small": 300}


async def _is_empty(api: Api) -> bool:
    found = await api.call("accompaniment", "GET", "/accompaniments", params={"limit": 1})
    return not found


async def main_async(args) -> int:
    """Plan, check the platform is empty, play the plan, print the expected figures."""
    today = date.today()
    caseload = SIZES.get(args.size) or int(args.size)
    plans = population.department(seed=args.seed, caseload=caseload, today=today)
    expected = population.expected_figures(plans, today)
    private, _ = generate_keys(args.key_dir)
    token = args.token or mint_token(private.read_text(), subject="simulation", role=Role.ADMIN, hours=12)
    urls = {name: getattr(args, f"{name}_url") for name in ("intake", "accompaniment", "placement", "reporting")}
    async with Api(urls, token, concurrency=args.concurrency, batch=args.batch, connections=args.connections) as api:
        if not args.force and not await _is_empty(api):
            print("the platform already holds accompaniments: nothing simulated (use --force to add a department)")
            return 0
        print(
            f"simulating {expected['people']} people in 22 agencies (seed {args.seed}), "
            f"aiming at an active caseload of {expected['caseload']}",
            file=sys.stderr,
        )
        started = time.monotonic()
        with progress_bar() as progress:
            await play(plans, api, today, args.seed, progress)
        print(f"played in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(json.dumps({"seed": args.seed, "as_of": today.isoformat(), "expected": expected}, indent=2))
    return 0


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulation",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--size", default="full", help="full (about 17,000 active), small (300), or a caseload")
    parser.add_argument("--seed", type=int, default=93)
    parser.add_argument("--force", action="store_true", help="simulate even when the platform holds data")
    parser.add_argument("--concurrency", type=int, default=400, help="people played at once (default 400)")
    parser.add_argument(
        "--batch", type=int, default=50, help="requests per POST /batch of a service (default 50; 1: one by one)"
    )
    parser.add_argument("--connections", type=int, default=4, help="connections per service (default 4)")
    parser.add_argument("--token", help="admin bearer token (default: minted with the local key)")
    parser.add_argument("--key-dir", default=".data/auth", type=__import__("pathlib").Path)
    for name, port in (("intake", 8001), ("accompaniment", 8002), ("placement", 8003), ("reporting", 8004)):
        parser.add_argument(f"--{name}-url", default=f"http://127.0.0.1:{port}")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(main_async(args)))
    except (SimulationError, httpx.HTTPError) as e:
        print(f"simulation stopped: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
