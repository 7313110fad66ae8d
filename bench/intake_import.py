"""Time of the bulk import of a department's monthly referral file, through intake's service code, on the real DB.

    python -m bench.intake_import [--rows 17000] [--seed 93] [--chunk-size 1000] [--xlsx] [--write referrals.csv]

Generates a realistic file (Windows-1252, `;`, DD/MM/YYYY dates, NIR with their keys, couples sharing an
allocataire number, about 1% of repeated people and 0.5% of broken rows), imports it into a schema of its own
(dropped afterwards) with the platform's profile naming the file's encoding, imports it again (everything is
then a duplicate), then closes the accompaniments of 5% of the people (as accompaniment's events would) and
imports a later file: those people are returns. With `--xlsx` the same rows are sent as an XLSX workbook.

`until_reported` (path 5 of `python -m bench`) posts such a file to a running platform's `POST /referrals/import`
and waits until reporting counts every person it created as an entry.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

from services.intake.adapters.profiles import shipped_profiles
from services.intake.bootstrap import dependencies, open_store
from services.intake.domain.agencies import COMMUNES
from services.intake.domain.mapping import FileFormat, MappingProfile
from services.intake.domain.nir import check_key
from services.intake.service_layer.imports import ImportReport, import_referrals
from services.intake.settings import IntakeSettings
from shared.logging import configure_logging

FIRST_F = "Aminata|Fatoumata|Inès|Lucie|Nadia|Sofia|Awa|Mariam|Leïla|Chloé|Sarah|Yasmine|Aïcha|Thi Lan|Nour".split("|")
FIRST_M = "Karim|Mamadou|Yanis|Julien|Moussa|Mehdi|Ibrahima|Lucas|Rayan|Youssef|Adama|Bilal|Sékou|Omar|Hugo".split("|")
LAST = (
    "Diallo|Martin|Benali|Traoré|Nguyen|Moreau|Haddad|Camara|Petit|Rahmani|Koné|Bernard|Cissé|Dubois|Mendy|Fofana|"
    "Leroy|Sow|Bouaziz|Durand|Keïta|Lefèvre|Touré|Garcia|Da Silva|Nguema|Belkacem|Coulibaly|Roux|N'Diaye|Mercier|"
    "Sissoko|Lambert|Ouattara|Girard|Bakayoko|Fontaine|Kaci|Chevalier|Bah"
).split("|")
STREETS = (
    "rue de la République|avenue Jean Jaurès|rue Gabriel Péri|allée des Bosquets|boulevard Pasteur|place du Marché|"
    "rue Paul Vaillant-Couturier|rue Victor Hugo|avenue Henri Barbusse|rue de Stalingrad|chemin des Vignes"
).split("|")
HEADER = (
    "nom;prenom;date_naissance;nir;num_allocataire;role;adresse;code_insee;telephone;courriel;"
    "composition_foyer;nb_enfants;date_orientation;source"
)


def _nir(sex: int, birth: date, serial: int) -> str:
    born_abroad = serial % 4 == 0
    place = f"99{serial % 400:03d}" if born_abroad else f"93{serial % 90:03d}"
    n13 = f"{sex}{birth.year % 100:02d}{birth.month:02d}{place}{serial % 1000:03d}"
    return f"{n13[0]} {n13[1:3]} {n13[3:5]} {n13[5:7]} {n13[7:10]} {n13[10:13]} {check_key(n13):02d}"


def _person(rng: random.Random, i: int, today: date) -> list[str]:
    sex = rng.choice((1, 2))
    birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
    household = rng.choices(["isole", "parent_isole", "couple", "couple_avec_enfants"], [45, 30, 10, 15])[0]
    children = rng.randint(1, 4) if household in ("parent_isole", "couple_avec_enfants") else 0
    phone = f"0{rng.choice((6, 7))} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {i % 100:02d}"
    first = rng.choice(FIRST_M if sex == 1 else FIRST_F)
    last = rng.choice(LAST)
    return [
        last,
        first,
        birth.strftime("%d/%m/%Y"),
        _nir(sex, birth, i) if rng.random() < 0.8 else "",
        *((f"{1_000_000 + i:07d}", "demandeur") if rng.random() < 0.9 else ("", "")),
        f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
        rng.choice(sorted(COMMUNES)),
        phone if rng.random() < 0.7 else "",
        f"{first.split()[0].lower()}.{i}@example.org" if rng.random() < 0.4 else "",
        household,
        str(children),
        (today - timedelta(days=rng.randint(1, 31))).strftime("%d/%m/%Y"),
        "caf_monthly_list",
    ]


def generate(rows: int, seed: int, today: date) -> list[list[str]]:
    """The rows of a referral file (after the header)."""
    rng = random.Random(seed)
    lines: list[list[str]] = []
    while len(lines) < rows:
        i = len(lines)
        roll = rng.random()
        if roll < 0.005:
            broken = _person(rng, i, today)
            broken[rng.choice((2, 7, 12))] = rng.choice(("31/02/1990", "75056", "demain"))
            lines.append(broken)
        elif roll < 0.015 and lines:
            again = list(rng.choice(lines))
            again[0] = again[0].upper()
            lines.append(again)
        elif roll < 0.10 and lines and lines[-1][4] and lines[-1][10].startswith("couple"):
            partner = _person(rng, i, today)
            partner[4], partner[5], partner[6], partner[7] = lines[-1][4], "conjoint", lines[-1][6], lines[-1][7]
            partner[10], partner[11] = lines[-1][10], lines[-1][11]
            lines.append(partner)
        else:
            lines.append(_person(rng, i, today))
    return lines


def as_csv(lines: list[list[str]], encoding: str = "cp1252") -> bytes:
    """The file as the department sends it: Windows-1252 (or `encoding`), `;`."""
    text = "\r\n".join([HEADER, *(";".join(line) for line in lines)]) + "\r\n"
    return text.encode(encoding)


def as_xlsx(lines: list[list[str]]) -> bytes:
    """The same rows as an XLSX workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("orientations")
    sheet.append(HEADER.split(";"))
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def later(lines: list[list[str]], today: date) -> list[list[str]]:
    """The same people oriented again yesterday."""
    return [[*line[:12], (today - timedelta(days=1)).strftime("%d/%m/%Y"), line[13]] for line in lines]


async def _timed_import(settings: IntakeSettings, data: bytes, deps, profile) -> tuple[float, ImportReport]:
    start = time.perf_counter()
    report = await import_referrals(
        data, deps=deps, profile=profile, today=date.today(), chunk_size=settings.intake_import_chunk_size
    )
    return time.perf_counter() - start, report


async def _close_some(pool, schema: str, report: ImportReport, share: float, seed: int) -> int:
    """Record the closure of some created people's accompaniments, as intake's consumer would."""
    rng = random.Random(seed)
    created = sorted({r.beneficiary_id for r in report.rows if r.status == "created"})
    closing = [b for b in created if rng.random() < share]
    await pool.execute(
        f"""INSERT INTO {schema}.accompaniments (accompaniment_id, beneficiary_id, enrolment_event_id, opened_on,
                                                closed_on)
            SELECT gen_random_uuid(), e.subject::uuid, e.event_id, current_date - 30, current_date - 10
            FROM {schema}.events e WHERE e.subject = ANY($1::text[])""",
        [str(b) for b in closing],
    )
    return len(closing)


async def run(lines: list[list[str]], rows: int, seed: int, chunk_size: int, xlsx: bool) -> None:
    """Import, import again, close some, import a later file; print the figures, drop the schema."""
    schema = f"bench{uuid.uuid4().hex[:8]}_intake"
    settings = IntakeSettings(intake_db_schema=schema, intake_import_chunk_size=chunk_size)
    platform = shipped_profiles()["plateforme"]
    profile: MappingProfile = platform.model_copy(
        update={"format": FileFormat.XLSX} if xlsx else {"encoding": "cp1252"}
    )
    encode = as_xlsx if xlsx else as_csv
    data, again_later = encode(lines), encode(later(lines, date.today()))
    pool, store = await open_store(settings)
    try:
        deps = dependencies(settings, store)
        first_seconds, first = await _timed_import(settings, data, deps, profile)
        second_seconds, second = await _timed_import(settings, data, deps, profile)
        closed = await _close_some(pool, schema, first, 0.05, seed)
        third_seconds, third = await _timed_import(settings, again_later, deps, profile)
        events = await pool.fetchval(f"SELECT count(*) FROM {schema}.events")
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
    kind = "XLSX" if xlsx else "CSV"
    table = Table(
        title=f"Import of {rows:,} referral rows, {kind} ({len(data) / 1e6:.1f} MB, seed {seed},"
        f" chunks of {chunk_size})"
    )
    for column in ("run", "seconds", "rows/s", "created", "duplicates", "returns", "rejected"):
        table.add_column(column, justify="right")
    runs = (
        ("first import", first_seconds, first),
        ("same file again", second_seconds, second),
        (f"later file, {closed} closed", third_seconds, third),
    )
    for name, seconds, report in runs:
        table.add_row(
            name,
            f"{seconds:.2f}",
            f"{report.total / seconds:,.0f}",
            str(report.created),
            str(report.duplicates),
            str(report.returns),
            str(report.rejected),
        )
    console = Console()
    console.print(table)
    console.print(f"events recorded: {events} (one BeneficiaryEnrolled per created beneficiary and per return)")


async def until_reported(
    intake_url: str, reporting_url: str, admin_token: str, data: bytes, timeout: float = 900
) -> tuple[float, float, int]:
    """Import `data` over HTTP, then poll `GET /indicators` until its entries grew by the people created.

    Returns (seconds until answered, seconds until reporting shows every entry, people created). The entries are
    those of the default period (the 12 months to today), which holds every orientation date of the file; nothing
    else may enrol people on the platform meanwhile.
    """
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(headers=headers, timeout=timeout) as client:

        async def entries() -> int:
            response = await client.get(f"{reporting_url}/indicators")
            response.raise_for_status()
            return response.json()["accompaniments"]["entries"]

        before = await entries()
        start = time.perf_counter()
        response = await client.post(
            f"{intake_url}/referrals/import", content=data, headers={"content-type": "text/csv"}
        )
        answered = time.perf_counter() - start
        response.raise_for_status()
        created = response.json()["created"]
        while (now := await entries()) < before + created:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"reporting shows {now - before} of {created} entries after {timeout:.0f}s")
            await asyncio.sleep(0.25)
        return answered, time.perf_counter() - start, created


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.intake_import", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=17_000)
    parser.add_argument("--seed", type=int, default=93)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--xlsx", action="store_true", help="send the rows as an XLSX workbook")
    parser.add_argument("--write", type=Path, help="also write the generated file here")
    args = parser.parse_args()
    configure_logging("WARNING", False, service="bench")
    lines = generate(args.rows, args.seed, date.today())
    if args.write:
        args.write.write_bytes(as_xlsx(lines) if args.xlsx else as_csv(lines))
    asyncio.run(run(lines, args.rows, args.seed, args.chunk_size, args.xlsx))


if __name__ == "__main__":
    main()
