"""A small simulated department through the public APIs: reporting shows what the plan implies, a rebuild from
the topics gives identical figures, the BI read models hold the same, and no topic carries an identifier."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from datetime import date

import asyncpg
import pytest

from shared.kafka import make_admin
from simulation import population
from tests.e2e.test_journey import assert_no_identifier
from tests.support import REPO, read_topic, run_of_topic, wait_until

pytestmark = pytest.mark.e2e

SEED = 11
CASELOAD = 150


@pytest.fixture(scope="module")
def simulated(platform):
    """Run the simulation once for the module; the plan's own figures."""
    args = [
        sys.executable,
        "-m",
        "simulation",
        "--size",
        str(CASELOAD),
        "--seed",
        str(SEED),
        "--token",
        platform.token("admin"),
    ]
    for name, url in platform.urls.items():
        args += [f"--{name}-url", url]
    run = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


async def _live(platform, simulated) -> dict:
    expected = simulated["expected"]
    async with platform.client("reporting", "department_staff") as reporting:
        # Reporting reads the three topics independently: the last writes of the simulation on each must be in.
        wanted = (expected["caseload"], expected["exits"], expected["hires"], expected["hires_ended_early"])

        shown = {}

        async def caught_up():
            figures = (await reporting.get("/indicators", params={"start": "2020-01-01"})).json()
            a, p = figures["accompaniments"], figures["placement"]
            shown["last"] = (a["caseload"], a["exits"], p["hires"], p["hires_ended_early"])
            return figures if shown["last"] == wanted else None

        try:
            return await wait_until(caught_up, 120, message="reporting to show the simulated department")
        except AssertionError as e:
            figures = "(caseload, exits, hires, ended early)"
            raise AssertionError(f"{e}: {figures} {shown.get('last')}, plan {wanted}") from None


async def test_reporting_shows_what_the_plan_implies(platform, simulated):
    expected = simulated["expected"]
    figures = await _live(platform, simulated)
    a = figures["accompaniments"]
    assert a["exits_by_group"] == expected["exits_by_group"]
    assert a["positive_exit_rate"] == expected["positive_exit_rate"]
    assert a["renewals"] == expected["renewals"]
    assert a["entries"] == expected["entries"] == expected["people"] + expected["returns"]
    assert a["returns"] == expected["returns"]
    assert figures["placement"]["hires"] == expected["hires"]
    assert figures["placement"]["hires_ended_early"] == expected["hires_ended_early"] > 0
    assert figures["workshops"]["sessions"] > 0
    assert expected["barriers_met_again"] > 0, "the plan has barriers identified again after they were lifted"
    b = figures["barriers"]
    assert (b["identified"], b["lifted"]) == (expected["barriers_identified"], expected["barriers_lifted"])
    # Seeded: the same plan again gives the same figures.
    again = population.expected_figures(population.department(SEED, CASELOAD, date.today()), date.today())
    assert again == expected


async def test_the_csv_export_carries_the_same_figures(platform, simulated):
    expected = simulated["expected"]
    await _live(platform, simulated)
    async with platform.client("reporting", "department_staff") as reporting:
        response = await reporting.get("/indicators.csv", params={"start": "2020-01-01"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # a French spreadsheet reads UTF-8 with its BOM
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    value = {(r["Rubrique"], r["Indicateur"], r["Ventilation"]): r["Valeur"] for r in rows}
    assert value[("Accompagnements", "caseload", "")] == str(expected["caseload"])
    assert value[("Accompagnements", "exits", "")] == str(expected["exits"])
    assert {r["Libellé"] for r in rows if r["Indicateur"] == "caseload"} == {"File active"}
    for group, count in expected["exits_by_group"].items():
        assert value[("Accompagnements", "exits_by_group", group)] == str(count)


async def test_a_rebuild_from_the_topics_gives_identical_figures(platform, simulated):
    await _live(platform, simulated)
    run = await asyncio.to_thread(
        subprocess.run,
        platform.rebuild_and_compare(),
        capture_output=True,
        text=True,
        cwd=REPO,
        env=platform.env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "identical" in run.stderr


async def test_the_bi_read_models_hold_the_same_figures(platform, simulated):
    expected = simulated["expected"]
    await _live(platform, simulated)
    schema = f"{platform.run_id}_bi"
    conn = await asyncpg.connect(platform.database_url)
    try:

        async def flushed():
            exits = await conn.fetchval(f"SELECT count(*) FROM {schema}.exits")
            hires = await conn.fetchval(f"SELECT count(*) FROM {schema}.hires")
            return (exits, hires) == (expected["exits"], expected["hires"])

        await wait_until(flushed, 60, message="the BI read models to be flushed")
        by_group = dict(await conn.fetch(f"SELECT exit_group, count(*) FROM {schema}.exits GROUP BY 1"))
        assert {g: by_group.get(g, 0) for g in expected["exits_by_group"]} == expected["exits_by_group"]
        assert (
            await conn.fetchval(f"SELECT count(*) FROM {schema}.accompaniments WHERE status = 'open'")
            == expected["caseload"]
        )
        assert await conn.fetchval(f"SELECT sum(entries) FROM {schema}.agency_months") == expected["entries"]
        assert await conn.fetchval(f"SELECT count(*) FROM {schema}.hires") == expected["hires"]
        columns = {
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1", schema
            )
        }
        assert not columns & {"first_name", "last_name", "birth_date", "nir", "phone", "email", "address"}
    finally:
        await conn.close()


async def test_no_topic_carries_a_direct_identifier(platform, simulated):
    await _live(platform, simulated)
    plans = population.department(SEED, CASELOAD, date.today())
    identifiers = sorted(
        {p.last_name.encode() for p in plans} | {p.birth_date.strftime("%d/%m/%Y").encode() for p in plans}
    )
    admin = make_admin(platform.kafka)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if run_of_topic(t) == platform.run_id]
    finally:
        await admin.close()
    assert {platform.topic("intake.events"), platform.topic("accompaniment.events")} <= set(topics)
    read = 0
    for topic in topics:
        records = await read_topic(platform.kafka, topic, idle=1.5)
        read += len(records)
        assert_no_identifier(records, identifiers)
    assert read > 1000, "the check read the simulated department's events"
