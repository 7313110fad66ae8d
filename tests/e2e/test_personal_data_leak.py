"""Personal data typed anywhere never leaves the service that keeps it: a test that really tries.

Every free-text field of every command of the four services, found in their OpenAPI schemas (a string that is
not an enum, a date or a uuid), is filled with a known name, phone number, e-mail, NIR and ISO birth date (all
five at once, or the one the field accepts). Then every topic of the run (events, dead letters, reporting's own
topics), every table and view of the BI schema, and the services' logs are searched for them: zero
hits. The people, the employer's contact, the employer and the workshop session are then erased (and the
mapping profile, configuration about no one, saved again without them), and every GET route of the four
services is read: the texts are unreadable everywhere (null with an "erased" marker, never a 500). The counts
are written to `.data/logs/tests/<run>-leak-report.json`.

A command or a free-text field added later is found in the OpenAPI schema: the test fails until the scenario
below sends it, so no field escapes.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from shared.kafka import make_admin
from tests.support import LOGS, read_topic, wait_until

pytestmark = pytest.mark.e2e

NAME = "Zéphyrine Ngozikwe"
PHONE = "06 47 28 19 53"
EMAIL = "zephyrine.ngozikwe@example.org"
NIR13 = "2910793027184"
NIR = f"{NIR13}{97 - int(NIR13) % 97:02d}"
BIRTH = "1991-07-23"
EVERYTHING = f"{NAME} {PHONE} {EMAIL} {NIR} {BIRTH}"
# What each free-text field is filled with: everything at once, else the first value the field accepts.
VALUES = [EVERYTHING, NAME, EMAIL, PHONE, NIR, BIRTH]
# What is searched for, case-insensitively (JSON may escape the accented letter).
NEEDLES = [
    b"ngozikwe",
    "zéphyrine".encode(),
    b"z\\u00e9phyrine",
    PHONE.encode(),
    PHONE.replace(" ", "").encode(),
    NIR13.encode(),
    BIRTH.encode(),
    b"23/07/1991",
]
CLOSED_FORMATS = {"uuid", "date", "date-time"}
# Strings whose shape no name, phone, e-mail, NIR or date can take (a pattern, or a check in the command): codes of
# closed lists (communes, agencies), a SIRET, a 7-digit CAF number, a codec, a date format, a profile's identifier.
CLOSED_BY_SHAPE = {"commune_code", "agency_id", "siret", "allocataire_number", "encoding", "date_format", "name"}
AGENCY, NEW_AGENCY = "ali-la-courneuve", "ali-clichy-sous-bois"
SERVICES = ("intake", "accompaniment", "placement", "reporting")


def hits(blob: bytes | str) -> list[str]:
    """The needles found in a blob."""
    data = (blob.encode() if isinstance(blob, str) else blob).lower()
    return [n.decode(errors="replace") for n in NEEDLES if n.lower() in data]


# --- free-text fields, from the OpenAPI schemas ----------------------------------------------------------


@dataclass(frozen=True)
class TextField:
    """A string field of a command that is not closed (no enum, no date or uuid format); `array`: a list of them,
    `mapping`: an object whose values are lists of them (a mapping profile's columns)."""

    name: str
    array: bool
    pattern: str | None
    max_length: int | None
    format: str | None
    mapping: bool = False

    def candidates(self) -> list[str]:
        """The known values this field could hold, in the order they are tried."""
        if self.format == "email":
            return [EMAIL]
        return [
            v
            for v in VALUES
            if (self.max_length is None or len(v) <= self.max_length)
            and (self.pattern is None or re.search(self.pattern, v))
        ]


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string(spec: dict, schema: dict) -> dict | None:
    """The string schema a property accepts (nullable ones included), if it is free text."""
    schema = _resolve(spec, schema)
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        if (found := _string(spec, branch)) is not None:
            return found
    if schema.get("type") == "string" and "enum" not in schema and "const" not in schema:
        return None if schema.get("format") in CLOSED_FORMATS else schema
    return None


def _array_items(spec: dict, schema: dict) -> dict | None:
    schema = _resolve(spec, schema)
    for branch in schema.get("anyOf", []):
        if (found := _array_items(spec, branch)) is not None:
            return found
    return schema.get("items") if schema.get("type") == "array" else None


def text_fields(spec: dict, schema: dict) -> list[TextField]:
    """The free-text fields of a request body (top level, lists of strings, and objects of lists of strings)."""
    found = []
    for name, prop in _resolve(spec, schema).get("properties", {}).items():
        values = _resolve(spec, prop).get("additionalProperties")
        mapping = isinstance(values, dict) and (items := _array_items(spec, values)) is not None
        items = items if mapping else _array_items(spec, prop)
        string = _string(spec, items) if items is not None else _string(spec, prop)
        if string is not None:
            found.append(
                TextField(
                    name,
                    items is not None,
                    string.get("pattern"),
                    string.get("maxLength"),
                    string.get("format"),
                    mapping,
                )
            )
    return found


async def commands_with_text(platform) -> dict[tuple[str, str, str], list[TextField]]:
    """(service, method, route) -> free-text fields, for every command of the four services."""
    found = {}
    for service in SERVICES:
        async with httpx.AsyncClient(base_url=platform.urls[service], timeout=30) as client:
            spec = (await client.get("/openapi.json")).json()
        for route, operations in spec["paths"].items():
            for method, op in operations.items():
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                if body and (fields := text_fields(spec, body)):
                    found[(service, method.upper(), route)] = fields
    return found


# --- sending commands with every free-text field filled ------------------------------------------------


@dataclass
class Attempt:
    """What was tried: fields filled with a known value and accepted, fields that refused every value."""

    commands: dict[tuple[str, str, str], list[TextField]]
    tried: set[tuple[str, str, str, str]] = field(default_factory=set)
    refused: set[tuple[str, str, str, str]] = field(default_factory=set)
    fixed: set[tuple[str, str, str, str]] = field(default_factory=set)
    sent: set[tuple[str, str, str]] = field(default_factory=set)


def _fields_named(problem: Any) -> set[str]:
    """The body fields a 422 names (each error's `loc`: a field of the request's schema or of a domain rule)."""
    names: set[str] = set()
    if isinstance(problem, dict):
        errors = problem.get("errors")
        if isinstance(errors, list):
            for error in errors:
                loc = [p for p in error.get("loc", []) if p != "body"]
                if loc and isinstance(loc[0], str):
                    names.add(loc[0])
    return names


async def command(
    attempt: Attempt,
    client: httpx.AsyncClient,
    service: str,
    method: str,
    route: str,
    body: dict,
    fixed: frozenset[str] = frozenset(),
    **path: Any,
) -> dict:
    """Send a command with each of its free-text fields holding a known value it accepts; its answer. `fixed`:
    fields the route itself fixes (a PUT's name, equal to the one in its path)."""
    fields = [f for f in attempt.commands.get((service, method, route), []) if f.name not in fixed]
    attempt.fixed |= {(service, method, route, name) for name in fixed}
    values = {f.name: f.candidates() for f in fields}
    choice = {name: 0 for name, candidates in values.items() if candidates}
    for f in fields:
        if not values[f.name]:
            attempt.refused.add((service, method, route, f.name))
    by_name = {f.name: f for f in fields}
    while True:
        sent = copy.deepcopy(body)
        for name, index in choice.items():
            value, f = values[name][index], by_name[name]
            if f.mapping:  # one column per target: the same header twice would be refused for its own sake
                sent[name] = {key: [f"{value} {n}"] for n, key in enumerate(sent.get(name) or {})}
            else:
                sent[name] = [value] if f.array else value
        response = await client.request(method, route.format(**path), json=sent)
        if response.status_code != 422:
            break
        refused = _fields_named(response.json()) & choice.keys()
        assert refused, f"{method} {route}: 422 naming no free-text field: {response.text}"
        for name in refused:
            choice[name] += 1
            if choice[name] == len(values[name]):
                del choice[name]  # the body's own value (if any) stands in: no known value fits this field
                attempt.refused.add((service, method, route, name))
    assert response.status_code < 300, f"{method} {route}: {response.status_code} {response.text}"
    attempt.sent.add((service, method, route))
    attempt.tried |= {(service, method, route, name) for name in choice}
    return response.json()


# --- where personal data must never be ------------------------------------------------------------------


@dataclass
class Scan:
    """Places searched and what was found there."""

    places: int = 0
    records: int = 0
    found: list[str] = field(default_factory=list)

    def look(self, place: str, blob: bytes | str) -> None:
        self.found += [f"{n} in {place}" for n in hits(blob)]


async def scan_everything(platform, scan: Scan) -> None:
    """Every topic of the run, every table and view of the BI schema, every service log."""
    admin = make_admin(platform.kafka)
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if platform.run_id in t)
    finally:
        await admin.close()
    assert any(t.startswith("ali.reporting.") for t in topics), topics  # reporting's own topics are included
    for topic in topics:
        records = await read_topic(platform.kafka, topic, idle=2.0, timeout=60)
        scan.places += 1
        scan.records += len(records)
        for r in records:
            headers = b" ".join(v or b"" for _, v in r.headers or [])
            scan.look(f"{topic}@{r.partition}:{r.offset}", (r.key or b"") + b" " + (r.value or b"") + b" " + headers)
    # What the BI role may read of this run: the relations it is granted (and nothing of the services' schemas).
    conn = await asyncpg.connect(platform.infra.database_url_of("bi"))
    try:
        readable = await conn.fetch(
            # By oid: a check by name raises "permission denied for schema" on a schema the role may not enter.
            """SELECT n.nspname AS table_schema, c.relname AS table_name
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname LIKE $1 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
                 AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1, 2""",
            f"{platform.run_id}%",
        )
        bi = platform.schema("bi")
        assert {r["table_schema"] for r in readable} == {bi}
        relations = [r for r in readable]
        assert {"beneficiaries", "hires", "employers", "workshop_sessions"} <= {r["table_name"] for r in relations}
        for relation in relations:
            rows = await conn.fetch(f'SELECT * FROM "{bi}"."{relation["table_name"]}"')
            scan.places += 1
            scan.records += len(rows)
            scan.look(f"{bi}.{relation['table_name']}", "\n".join(json.dumps(dict(r), default=str) for r in rows))
    finally:
        await conn.close()
    for service in SERVICES:
        log = LOGS / f"{platform.run_id}-{service}-serve.log"
        scan.places += 1
        scan.look(log.name, log.read_bytes())


async def read_every_route(
    platform, ids: dict[str, str], scan: Scan, routes: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """GET every route of the four services (path parameters from `ids`, or `routes[route]`) as admin; the
    bodies by route."""
    bodies: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {platform.token('admin')}"}
    for service in SERVICES:
        async with httpx.AsyncClient(base_url=platform.urls[service], timeout=60, headers=headers) as client:
            spec = (await client.get("/openapi.json")).json()
            for route, operations in spec["paths"].items():
                if "get" not in operations or route.startswith("/health"):
                    continue
                response = await client.get(route.format(**{**ids, **routes.get(route, {})}))
                assert response.status_code < 500, f"{service} GET {route}: {response.status_code} {response.text}"
                assert response.status_code == 200, f"{service} GET {route}: {response.status_code} {response.text}"
                scan.places += 1
                scan.look(f"{service} GET {route}", response.content)
                bodies[f"{service} {route}"] = response.json() if "json" in response.headers["content-type"] else None
    return bodies


# --- the scenario ---------------------------------------------------------------------------------------


async def test_personal_data_typed_anywhere_stays_where_it_is_kept_and_erasure_reaches_every_api(platform):
    today = date.today()
    attempt = Attempt(await commands_with_text(platform))
    admin = {s: platform.client(s, "admin") for s in SERVICES}
    staff = {s: platform.client(s, "agency_manager", AGENCY) for s in ("intake", "accompaniment", "placement")}
    ids: dict[str, str] = {"agency_id": AGENCY, "name": "aptitudes"}
    async with admin["intake"], admin["accompaniment"], admin["placement"], admin["reporting"]:
        async with staff["intake"], staff["accompaniment"] as acc, staff["placement"] as pl:
            # Intake: the identity itself (kept encrypted there, never in an event).
            referral = await command(
                attempt,
                admin["intake"],
                "intake",
                "POST",
                "/referrals",
                {
                    "first_name": "x",
                    "last_name": "x",
                    "birth_date": BIRTH,
                    "commune_code": "93027",
                    "orientation_date": (today - timedelta(days=30)).isoformat(),
                    "enrolment_date": (today - timedelta(days=28)).isoformat(),
                },
            )
            ids["beneficiary_id"] = beneficiary = referral["beneficiary_id"]

            # Intake's import: a mapping profile (admin configuration), then a file with a second person.
            base = (await admin["intake"].get("/import-profiles/plateforme")).json()["profile"]
            saved = await command(
                attempt,
                admin["intake"],
                "intake",
                "POST",
                "/import-profiles",
                {**base, "name": f"leak-{uuid.uuid4().hex[:8]}"},
            )
            profile_name = saved["profile"]["name"]
            await command(
                attempt,
                admin["intake"],
                "intake",
                "PUT",
                "/import-profiles/{name}",
                {**base, "name": profile_name},
                fixed=frozenset({"name"}),
                name=profile_name,
            )
            header = "last_name;first_name;birth_date;nir;commune_code;phone;email;orientation_date;referral_source"
            row = f"Ngozikwe-Bamba;Zéphyrine;{BIRTH};;93027;{PHONE};{EMAIL};{today.isoformat()};caf_msa_flow"
            imported = await admin["intake"].post(
                "/referrals/import", content=f"{header}\n{row}\n".encode(), headers={"content-type": "text/csv"}
            )
            assert imported.status_code == 200 and imported.json()["created"] == 1, imported.text
            ids["import_id"] = imported.json()["import_id"]
            second = imported.json()["rows"][0]["beneficiary_id"]
            routes = {"/import-profiles/{name}": {"name": profile_name}}

            async def opened():
                found = (await acc.get("/accompaniments", params={"beneficiary_id": beneficiary})).json()
                return found[0]["accompaniment_id"] if found else None

            ids["accompaniment_id"] = accompaniment = await wait_until(opened, 60, message="the accompaniment")
            a = "/accompaniments/{accompaniment_id}"

            # Accompaniment: the follow-up's free text.
            objective = str(uuid.uuid4())
            for path, body in [
                ("/training-needs", {}),
                ("/objectives", {"objective_id": objective}),
                ("/actions", {"objective_id": objective}),
                ("/scheme-referrals", {"scheme": "social_services"}),
            ]:
                await command(attempt, acc, "accompaniment", "POST", a + path, body, accompaniment_id=accompaniment)
            profile = {
                "aptitudes": ["handling"],
                "available_slots": ["morning", "afternoon"],
                "max_weekly_hours": 35,
                "max_commute_km": 10,
                "work_constraints": ["no_night_work"],
                "wished_sectors": ["H"],
            }
            assert (
                await acc.put(f"/accompaniments/{accompaniment}/candidate-profile", json=profile)
            ).status_code == 200
            session = await command(
                attempt,
                acc,
                "accompaniment",
                "POST",
                "/workshops",
                {"agency_id": AGENCY, "theme": "self_confidence", "session_date": today.isoformat(), "capacity": 8},
            )
            ids["session_id"] = session["session_id"]
            registered = await acc.post(
                f"/workshops/{session['session_id']}/registrations", json={"accompaniment_id": accompaniment}
            )
            assert registered.status_code == 201, registered.text

            # Placement: employers, contacts, needs, check-ins, training centres.
            employer = await command(
                attempt,
                pl,
                "placement",
                "POST",
                "/employers",
                {"siret": "73282932000074", "name": "x", "size": "tpe", "sector": "H", "commune_code": "93027"},
            )
            ids["employer_id"] = employer["employer_id"]
            contact = await command(
                attempt,
                pl,
                "placement",
                "POST",
                "/employers/{employer_id}/contacts",
                {"contact_date": today.isoformat(), "kind": "visit"},
                employer_id=employer["employer_id"],
            )
            need = await command(
                attempt,
                pl,
                "placement",
                "POST",
                "/needs",
                {
                    "employer_id": employer["employer_id"],
                    "title": "x",
                    "tasks": ["x"],
                    "weekly_hours": 30,
                    "time_slots": ["morning"],
                    "required_aptitudes": ["handling"],
                    "contract_type": "cdi",
                    "published_on": (today - timedelta(days=60)).isoformat(),
                },
            )
            ids["need_id"] = need["need_id"]

            async def candidate():
                return (await pl.get(f"/candidates/{beneficiary}")).status_code == 200

            await wait_until(candidate, 60, message="placement to know the candidate")
            introduction = await pl.post(
                "/introductions",
                json={
                    "need_id": need["need_id"],
                    "beneficiary_id": beneficiary,
                    "introduced_on": (today - timedelta(days=45)).isoformat(),
                },
            )
            assert introduction.status_code == 201, introduction.text
            ids["introduction_id"] = introduction.json()["introduction_id"]
            hired = await pl.post(
                f"/introductions/{ids['introduction_id']}/outcome",
                json={
                    "outcome": "hired",
                    "contract_type": "cdi",
                    "weekly_hours": 30,
                    "start_date": (today - timedelta(days=40)).isoformat(),
                },
            )
            assert hired.status_code == 200, hired.text
            ids["hire_id"] = hired.json()["hire_id"]
            await command(
                attempt,
                pl,
                "placement",
                "POST",
                "/hires/{hire_id}/check-ins",
                {
                    "month": 1,
                    "checked_on": today.isoformat(),
                    "still_employed": True,
                    "barriers_worked_on": ["mobility"],
                },
                hire_id=ids["hire_id"],
            )
            immersion = await command(
                attempt,
                pl,
                "placement",
                "POST",
                "/immersions",
                {
                    "beneficiary_id": beneficiary,
                    "host_kind": "training_centre",
                    "host_name": "x",
                    "start_date": (today - timedelta(days=10)).isoformat(),
                    "end_date": (today - timedelta(days=6)).isoformat(),
                },
            )
            ids["immersion_id"] = immersion["immersion_id"]

            # Intake again: the person moves (a new address, kept encrypted).
            await command(
                attempt,
                staff["intake"],
                "intake",
                "POST",
                "/beneficiaries/{beneficiary_id}/transfer",
                {"commune_code": "93014"},
                beneficiary_id=beneficiary,
            )

        # Every command with free text was sent, every free-text field filled with a known value or refused.
        fields = {(*command_, f.name) for command_, fs in attempt.commands.items() for f in fs}
        assert set(attempt.commands) <= attempt.sent, f"never sent: {sorted(set(attempt.commands) - attempt.sent)}"
        assert fields == attempt.tried | attempt.refused | attempt.fixed
        # Fields no known value fits: codes of closed lists (communes, agencies), a SIRET, a 7-digit CAF number.
        closed = {(s, m, r, f) for s, m, r, f in fields if f in CLOSED_BY_SHAPE}
        assert attempt.refused <= closed, f"refused every known value: {sorted(attempt.refused - closed)}"

        # Everything reached the topics, reporting and the BI read models (the transfer last of all).
        async def settled():
            conn = await asyncpg.connect(platform.database_url)
            try:
                bi = platform.schema("bi")
                hire = await conn.fetchval(f'SELECT count(*) FROM "{bi}".hires WHERE hire_id = $1', ids["hire_id"])
                moved = await conn.fetchval(
                    f'SELECT agency_id FROM "{bi}".accompaniments WHERE accompaniment_id = $1', uuid.UUID(accompaniment)
                )
            finally:
                await conn.close()
            return hire == 1 and moved == NEW_AGENCY

        await wait_until(settled, 120, interval=1, message="the BI read models to hold the run")

        before = Scan()
        await scan_everything(platform, before)
        assert before.found == [], before.found

        # The texts are there for the staff who may read them: the search below would find them.
        shown = Scan()
        readable = await read_every_route(platform, ids, shown, routes)
        assert len(shown.found) >= 10, shown.found
        detail = readable["accompaniment /accompaniments/{accompaniment_id}"]
        assert detail["objectives"][0]["label"] == EVERYTHING and detail["personal_data_erased"] is False

        # Erasure: the person (intake's event reaches accompaniment and placement), the contact, the employer,
        # the workshop session's title.
        for person in (beneficiary, second):
            erased = await admin["intake"].delete(f"/beneficiaries/{person}/personal-data")
            assert erased.status_code == 200, erased.text
        for url in (
            f"/employers/{ids['employer_id']}/contacts/{contact['contact_id']}/personal-data",
            f"/employers/{ids['employer_id']}/personal-data",
        ):
            assert (await admin["placement"].delete(url)).status_code == 200
        assert (await admin["accompaniment"].delete(f"/workshops/{ids['session_id']}/personal-data")).status_code == 200
        # A mapping profile is configuration, about no one: an admin removes a name typed in it by saving it again.
        restored = await admin["intake"].put(f"/import-profiles/{profile_name}", json={**base, "name": profile_name})
        assert restored.status_code == 200, restored.text

        async def erased_everywhere():
            follow_up = (await admin["accompaniment"].get(f"/accompaniments/{accompaniment}")).json()
            hire = (await admin["placement"].get(f"/hires/{ids['hire_id']}")).json()
            return follow_up["personal_data_erased"] and hire["personal_data_erased"]

        await wait_until(erased_everywhere, 60, message="the erasure to reach accompaniment and placement")

    after = Scan()
    readable = await read_every_route(platform, ids, after, routes)
    assert after.found == [], after.found
    detail = readable["accompaniment /accompaniments/{accompaniment_id}"]
    assert [o["label"] for o in detail["objectives"]] == [None] and detail["training_needs"][0]["subject"] is None
    assert readable["intake /beneficiaries/{beneficiary_id}"]["status"] == "erased"
    assert readable["placement /employers/{employer_id}"]["personal_data_erased"] is True
    assert readable["placement /hires/{hire_id}"]["check_in_notes"] == {"1": None}
    assert readable["placement /immersions/{immersion_id}"]["host_name"] is None
    assert readable["accompaniment /workshops/{session_id}"]["title"] is None

    final = Scan()
    await scan_everything(platform, final)
    assert final.found == [], final.found

    report = {
        "commands_with_free_text": len(attempt.commands),
        "free_text_fields": len(fields),
        "fields_tried": len(attempt.tried),
        "fields_fixed_by_their_route": sorted(".".join(f[1:]) for f in attempt.fixed),
        "fields_refusing_every_known_value": sorted(".".join(f[1:]) for f in attempt.refused),
        "places_scanned": {
            "topics_bi_relations_and_logs_before_erasure": before.places,
            "records_read_before_erasure": before.records,
            "api_routes_read_after_erasure": after.places,
            "topics_bi_relations_and_logs_after_erasure": final.places,
            "records_read_after_erasure": final.records,
        },
        "hits": len(before.found) + len(after.found) + len(final.found),
        "texts_found_through_the_apis_before_erasure": len(shown.found),
    }
    (LOGS / f"{platform.run_id}-leak-report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
