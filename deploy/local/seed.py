"""Demo data for `make up`: referrals and exits sent through the public HTTP APIs, once, when empty.

    python -m deploy.local.seed [--people N] [--seed S]

Skipped when accompaniments already exist, so running `make up` again adds nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from datetime import date, timedelta

import httpx
from rich.progress import Progress

from services.intake.domain.agencies import COMMUNES
from shared.auth import Role, generate_keys, mint_token

INTAKE = "http://127.0.0.1:8001"
ACCOMPANIMENT = "http://127.0.0.1:8002"
FIRST_NAMES = ["Aminata", "Karim", "Inès", "Lucie", "Mamadou", "Sofia", "Yanis", "Fatoumata", "Julien", "Nadia"]
LAST_NAMES = ["Diallo", "Martin", "Benali", "Traoré", "Nguyen", "Moreau", "Haddad", "Camara", "Petit", "Rahmani"]
# Exit mix close to the department's reported 48% of sorties dynamiques.
EXITS = (
    ["cdi"] * 14
    + ["cdd_or_temp_6_months_or_more"] * 6
    + ["cdd_or_temp_under_6_months"] * 12
    + ["contrat_aide"] * 4
    + ["qualifying_training"] * 10
    + ["other_siae_hire"] * 2
    + ["unemployment"] * 22
    + ["moved_away"] * 10
    + ["no_news"] * 12
    + ["health"] * 8
)


async def seed(people: int, rng: random.Random) -> None:
    """Refer `people` persons, then close about half of the accompaniments."""
    private, _ = generate_keys()
    token = mint_token(private.read_text(), subject="demo-seed", role=Role.ADMIN, hours=1)
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        existing = (await client.get(f"{ACCOMPANIMENT}/accompaniments", params={"limit": 1})).json()
        if existing:
            print("demo data already present: nothing to add")
            return
        communes = sorted(COMMUNES)
        ids = []
        with Progress() as progress:
            task = progress.add_task("referrals", total=people)
            for i in range(people):
                body = {
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": f"{rng.choice(LAST_NAMES)}-{i}",
                    "birth_date": (date(1970, 1, 1) + timedelta(days=rng.randint(0, 365 * 35))).isoformat(),
                    "commune_code": rng.choice(communes),
                    "orientation_date": (date.today() - timedelta(days=rng.randint(1, 25))).isoformat(),
                    "household_type": rng.choice(["single", "single_parent", "couple", "couple_with_children"]),
                    "referral_source": "demo",
                }
                response = await client.post(f"{INTAKE}/referrals", json=body)
                response.raise_for_status()
                ids.append(response.json()["beneficiary_id"])
                progress.advance(task)
            task = progress.add_task("exits", total=people // 2)
            for beneficiary_id in ids[: people // 2]:
                accompaniment = None
                for _ in range(100):
                    found = (
                        await client.get(f"{ACCOMPANIMENT}/accompaniments", params={"beneficiary_id": beneficiary_id})
                    ).json()
                    if found:
                        accompaniment = found[0]
                        break
                    await asyncio.sleep(0.1)
                if accompaniment is None:
                    sys.exit(f"accompaniment of {beneficiary_id} never opened: is the accompaniment consumer running?")
                response = await client.post(
                    f"{ACCOMPANIMENT}/accompaniments/{accompaniment['accompaniment_id']}/closure",
                    json={"exit_category": rng.choice(EXITS)},
                )
                response.raise_for_status()
                progress.advance(task)


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200, help="number of referrals (default 200)")
    parser.add_argument("--seed", type=int, default=93, help="random seed (default 93)")
    args = parser.parse_args()
    asyncio.run(seed(args.people, random.Random(args.seed)))


if __name__ == "__main__":
    main()
