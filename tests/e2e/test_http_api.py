"""The four HTTP APIs: their published OpenAPI kept under generated input (schemathesis), as admin and as a
caseworker; hostile input refused with a clear 4xx; the files they export.

Each service's schema is fuzzed in every phase (its examples, the coverage of its constraints with valid and invalid
values, random requests, and stateful sequences following the links schemathesis infers between operations) on a
platform of its own, seeded with a few people so that ids lead somewhere. The run must find no server error, no
response outside the schema and no status code the schema does not document. `ALI_CONTRACT_MAX_EXAMPLES` (default 12)
tunes how many cases each operation gets.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from python_calamine import CalamineWorkbook

from shared.auth import Role
from tests.builders import employer_body
from tests.support import wait_until

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "accompaniment", "placement", "reporting")
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
AGENCY = "ali-la-courneuve"
ROLES = {"admin": (Role.ADMIN, None), "caseworker": (Role.CASEWORKER, AGENCY)}


@dataclass(frozen=True)
class Outcome:
    """What one schemathesis run found."""

    service: str
    role: str
    exit_code: int
    requests: int
    operations: int
    cases: int
    failures: dict[str, int]
    output: str


def _requests_in(cassette: Path) -> int:
    """Requests recorded in a VCR cassette (one `- id:` entry per interaction)."""
    if not cassette.exists():
        return 0
    return sum(1 for line in cassette.read_text(errors="replace").splitlines() if line.startswith("- id:"))


def _run(platform, service: str, role: str, out: Path) -> Outcome:
    """One schemathesis CLI run against one service, authenticated as one role."""
    token = platform.token(*ROLES[role])
    examples = os.environ.get("ALI_CONTRACT_MAX_EXAMPLES", "12")
    cassette = out / f"{service}-{role}.yaml"
    report = out / f"{service}-{role}.json"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "run",
        f"{platform.urls[service]}/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        PHASES,
        "--max-examples",
        examples,
        "--seed",
        "20261201",
        "--generation-database",
        "none",
        "--no-shrink",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "vcr,json",
        "--report-vcr-path",
        str(cassette),
        "--report-json-path",
        str(report),
        "--output-truncate",
        "true",
        "--warnings",
        "off",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    operations, cases, failures = _summary(json.loads(report.read_text())) if report.exists() else (0, 0, {})
    output = result.stdout + result.stderr
    (out / f"{service}-{role}.txt").write_text(output)
    return Outcome(service, role, result.returncode, _requests_in(cassette), operations, cases, failures, output)


def _summary(report: dict) -> tuple[int, int, dict[str, int]]:
    """Operations tested, test cases generated and failures by kind, from a schemathesis JSON run report."""
    failures = {f["title"]: f["count"] for f in report.get("failures", [])}
    for error in report.get("errors", []):
        failures[f"error: {error.get('title', error)}"] = failures.get(f"error: {error.get('title', error)}", 0) + 1
    return report["operations"]["tested"], report["test_cases"]["generated"], failures


async def _seed(platform) -> None:
    """A few people referred to the caseworker's agency, with their accompaniments open, and an employer."""
    today = date.today()
    async with platform.client("intake") as intake:
        for i in range(3):
            answer = await intake.post(
                "/referrals",
                json={
                    "first_name": f"Contrat{i}",
                    "last_name": "Schema",
                    "birth_date": (today - timedelta(days=365 * 30 + i)).isoformat(),
                    "commune_code": "93027",
                    "orientation_date": (today - timedelta(days=10)).isoformat(),
                    "household_type": "single",
                    "children": 0,
                },
            )
            assert answer.status_code == 201, answer.text
    async with platform.client("accompaniment") as accompaniment:

        async def opened():
            answer = await accompaniment.get("/accompaniments", params={"agency_id": AGENCY})
            return answer.status_code == 200 and len(answer.json()) >= 3

        await wait_until(opened, timeout=90, message="accompaniments opened")
    async with platform.client("placement", Role.CASEWORKER, AGENCY) as placement:
        answer = await placement.post("/employers", json=employer_body(name="Plateforme Nord"))
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
async def seeded(platform):
    """The platform of this module with a few people followed by the caseworker's agency."""
    await _seed(platform)
    return platform


async def test_indicators_and_worklists_export_to_french_csv_and_xlsx(platform, seeded):
    async with platform.client("reporting", Role.AGENCY_MANAGER, AGENCY) as reporting:
        csv_answer = await reporting.get("/indicators.csv")
        xlsx_answer = await reporting.get("/indicators.xlsx")
    async with platform.client("accompaniment", Role.CASEWORKER, AGENCY) as accompaniment:
        worklist_csv = await accompaniment.get("/worklists.csv", params={"as_of": _in_days(400)})
        worklist_xlsx = await accompaniment.get("/worklists.xlsx", params={"as_of": _in_days(400)})
        worklist = (await accompaniment.get("/worklists", params={"as_of": _in_days(400)})).json()
    for answer in (csv_answer, xlsx_answer, worklist_csv, worklist_xlsx):
        assert answer.status_code == 200, answer.text[:300]
        assert 'attachment; filename="' in answer.headers["content-disposition"]
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    lines = csv_answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:5] == [
        "Périmètre",
        "Début de période",
        "Fin de période",
        "Date de référence",
        "Rubrique",
    ]
    assert any(";caseload;File active;;" in line for line in lines)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx_answer.content)).get_sheet_by_name("Indicateurs")
    rows = sheet.to_python()
    assert rows[0][-1] == "Valeur" and any(row[5] == "caseload" for row in rows[1:])

    assert len(worklist) >= 3  # the seeded people: their accompaniments end within 400 days
    table = list(csv.reader(io.StringIO(worklist_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][0] == "Accompagnement" and table[0][-1] == "Motifs"
    assert {row[0] for row in table[1:]} == {entry["accompaniment_id"] for entry in worklist}
    assert all("Fin d'accompagnement proche" in row[-1] for row in table[1:])
    xlsx_rows = CalamineWorkbook.from_filelike(io.BytesIO(worklist_xlsx.content)).get_sheet_by_index(0).to_python()
    assert len(xlsx_rows) == len(table) and xlsx_rows[0] == table[0]


async def test_hostile_input_gets_a_clear_4xx_quickly_on_every_service(platform):
    """The cases found by hand: a huge body, text that cannot be stored, infinite numbers, far dates and pages."""
    flood = "{" + ",".join(f'"k{i}": 0' for i in range(900_000)) + "}"
    cases = [
        ("accompaniment", "POST", f"/accompaniments/{uuid.uuid4()}/barriers", flood, 413),
        ("intake", "POST", "/referrals", flood, 413),
        ("placement", "POST", "/employers", '{"name": "x\\ud800y"}', 422),
        ("placement", "POST", "/employers", '{"name": "a\\u0000b"}', 422),
        (
            "accompaniment",
            "POST",
            f"/accompaniments/{uuid.uuid4()}/appointments",
            '{"appointment_date": "9999-12-31"}',
            422,
        ),
        ("placement", "POST", "/needs", '{"weekly_hours": Infinity}', 422),
        ("accompaniment", "GET", "/accompaniments?offset=9223372036854775808", None, 422),
        ("reporting", "GET", "/indicators?as_of=0001-01-01", None, 422),
        ("accompaniment", "GET", "/worklists?as_of=9999-01-01", None, 422),
    ]
    for service, method, path, body, status in cases:
        async with platform.client(service) as client:
            headers = {"content-type": "application/json"}
            content = body.encode("utf-8", "surrogatepass") if body is not None else None
            answer = await client.request(method, path, content=content, headers=headers)
        assert answer.status_code == status, (service, path, answer.text[:300])
        problem = answer.json()
        assert problem["code"] in {"body_too_large", "invalid_input"} and problem["detail"], problem
        assert len(answer.content) < 20_000 and "Infinity" not in answer.text


async def test_tokens_that_cannot_be_trusted_are_401_on_every_service(platform):
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b"=").decode()
    forged = f"{header}.e30.c2lnbmF0dXJl"  # says RS256, carries no valid signature
    paths = {"intake": "/beneficiaries", "accompaniment": "/accompaniments", "placement": "/employers"}
    for service in SERVICES:
        async with httpx.AsyncClient(base_url=platform.urls[service], timeout=30) as client:
            for headers in ({"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer x.y"}, {}):
                refused = await client.get(paths.get(service, "/indicators"), headers=headers)
                assert refused.status_code == 401, (service, headers, refused.text)
                assert refused.json()["code"] == "unauthenticated" and "Bearer" in refused.headers["www-authenticate"]


def _in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def test_the_four_apis_keep_their_published_contract_under_generated_input(platform, seeded, tmp_path):
    outcomes = [_run(platform, service, role, tmp_path) for service in SERVICES for role in ROLES]
    lines = [
        f"{o.service:<14}{o.role:<11} operations={o.operations:<3} cases={o.cases:<5} requests={o.requests:<6}"
        f" exit={o.exit_code} failures={o.failures}"
        for o in outcomes
    ]
    print("\n".join(["schemathesis:", *lines, f"total requests={sum(o.requests for o in outcomes)}"]))
    assert all(o.requests > 0 for o in outcomes), "\n".join(lines)
    broken = [o for o in outcomes if o.exit_code != 0]
    assert not broken, "\n\n".join(f"--- {o.service} as {o.role}\n{o.output[-6000:]}" for o in broken)
