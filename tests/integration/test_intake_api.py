"""Intake over HTTP on the real stack: referrals, import, transfer, erasure, access, and what reaches the topic."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import httpx
import pytest

from services.intake.domain.nir import check_key
from shared.envelope import Envelope
from tests.support import read_topic, wait_until

pytestmark = pytest.mark.integration

ORIENTED = (date.today() - timedelta(days=5)).isoformat()


def _referral(first: str, last: str, commune: str = "93027", **extra) -> dict:
    return {
        "first_name": first,
        "last_name": last,
        "birth_date": "1986-03-21",
        "commune_code": commune,
        "orientation_date": ORIENTED,
        "household_type": "single_parent",
        "children": 1,
        **extra,
    }


def _unique(prefix: str) -> str:
    """A surname no other test uses, made of letters only."""
    return prefix + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])


async def _intake_events(platform, predicate, count: int = 1, timeout: float = 60) -> list[Envelope]:
    """Events of the intake topic matching `predicate`, once at least `count` of them are published."""

    async def published():
        records = await read_topic(platform.kafka, platform.topic("intake.events"), idle=1.0, timeout=30)
        found = [e for e in (Envelope.from_kafka(r.value, r.headers) for r in records) if predicate(e)]
        return found if len(found) >= count else None

    return await wait_until(published, timeout, message=f"{count} matching event(s) on the intake topic")


async def test_a_referral_enrols_and_the_same_person_again_is_the_existing_beneficiary(platform):
    last = _unique("Diallo")
    async with platform.client("intake", role="caseworker", agency_id="ali-la-courneuve") as client:
        created = await client.post("/referrals", json=_referral("Aminata", last, nir="2 86 03 99 352 041 " + "40"))
        assert created.status_code == 422 and "ne correspond pas à ses 13 premiers caractères" in created.text
        created = await client.post("/referrals", json=_referral("Aminata", last))
        assert created.status_code == 201, created.text
        again = await client.post("/referrals", json=_referral("AMINATA", last.upper()))
        assert again.status_code == 200
        assert again.json() == {**created.json(), "created": False, "status": "duplicate"}
        details = await client.get(f"/beneficiaries/{created.json()['beneficiary_id']}")
    assert details.status_code == 200
    body = details.json()
    assert (body["agency_id"], body["status"], body["identity"]["last_name"]) == ("ali-la-courneuve", "enrolled", last)
    [event] = await _intake_events(platform, lambda e: e.subject == created.json()["beneficiary_id"])
    assert event.type == "ali.intake.BeneficiaryEnrolled" and event.data["age_band"] == "35_44"


async def test_access_is_refused_without_a_token_and_outside_ones_agency(platform):
    async with httpx.AsyncClient(base_url=platform.urls["intake"], timeout=30) as anonymous:
        assert (await anonymous.post("/referrals", json=_referral("Inès", "Benali"))).status_code == 401
        assert (await anonymous.get("/agencies")).status_code == 401
    async with platform.client("intake", role="admin") as admin:
        created = await admin.post("/referrals", json=_referral("Inès", _unique("Benali"), commune="93014"))
    beneficiary_id = created.json()["beneficiary_id"]
    async with platform.client("intake", role="caseworker", agency_id="ali-la-courneuve") as other:
        refused = await other.post("/referrals", json=_referral("Lina", _unique("Haddad"), commune="93014"))
        assert refused.status_code == 403 and "ali-clichy-sous-bois" in refused.json()["detail"]
        assert (await other.get(f"/beneficiaries/{beneficiary_id}")).status_code == 403
        move = {"commune_code": "93027", "transferred_on": date.today().isoformat()}
        assert (await other.post(f"/beneficiaries/{beneficiary_id}/transfer", json=move)).status_code == 403
        assert (await other.get("/beneficiaries", params={"agency_id": "ali-clichy-sous-bois"})).status_code == 403
    async with platform.client("intake", role="department_staff") as staff:
        assert (await staff.get(f"/beneficiaries/{beneficiary_id}")).status_code == 403
        assert (await staff.get("/beneficiaries")).status_code == 403
        assert (await staff.get("/agencies")).status_code == 200
    async with platform.client("intake", role="caseworker", agency_id="ali-clichy-sous-bois") as own:
        listed = await own.get("/beneficiaries")
        assert (await own.delete(f"/beneficiaries/{beneficiary_id}/personal-data")).status_code == 403
    assert beneficiary_id in {b["beneficiary_id"] for b in listed.json()}
    assert {b["agency_id"] for b in listed.json()} == {"ali-clichy-sous-bois"}


async def test_agencies_are_listed_and_an_unknown_one_is_not_found(platform):
    async with platform.client("intake", role="caseworker", agency_id="ali-stains") as client:
        agencies = (await client.get("/agencies")).json()
        courneuve = await client.get("/agencies/ali-la-courneuve")
        unknown = await client.get("/agencies/ali-paris")
    assert len(agencies) == 22 and sum(len(a["communes"]) for a in agencies) == 40
    assert courneuve.json()["communes"] == [{"code": "93027", "name": "La Courneuve"}]
    assert courneuve.json()["opened_on"] == "2023-10-09"
    assert unknown.status_code == 404


def _numbers(last: str) -> tuple[str, str]:
    """A NIR (with spaces and its key) and an allocataire number of this file's family, the same for the same name."""
    rng = random.Random(last)
    n13 = f"28804993{rng.randint(0, 99999):05d}"
    nir = f"{n13[0]} {n13[1:3]} {n13[3:5]} {n13[5:7]} {n13[7:10]} {n13[10:13]} {check_key(n13):02d}"
    return nir, f"{rng.randint(0, 9_999_999):07d}"


def _csv(last: str, encoding: str = "cp1252") -> bytes:
    nir, allocataire = _numbers(last)
    lines = [
        "nom;prénom;date_naissance;nir;num_allocataire;rôle;adresse;code_insee;téléphone;courriel;nb_enfants;"
        "composition_foyer;date_orientation",
        f"{last};Zoé;12/04/1988;{nir};{allocataire};demandeur;14 rue Édouard Vaillant;93027;06 98 76 54 32;"
        f"zoe.{last.lower()}@example.org;2;parent_isole;{date.today():%d/%m/%Y}",
        f"{last};Hélène;1985-01-20;;{allocataire};conjoint;14 rue Édouard Vaillant;93027;;;2;couple_avec_enfants;"
        f"{ORIENTED}",
        f"{last};Zoé;12/04/1988;;;;;93027;;;2;parent_isole;{ORIENTED}",
        f"{last};Bad;31/02/1988;;;;;93027;;;0;isole;{ORIENTED}",
        f"{last};Paris;1990-01-01;;;;;75056;;;0;isole;{ORIENTED}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


async def test_a_cp1252_file_sent_as_utf8_rejects_its_undecodable_lines_and_imports_with_a_profile_naming_it(
    platform,
):
    last, stray_last, name = _unique("Traoré"), _unique("Lefèvre"), f"cp1252-{uuid.uuid4().hex[:8]}"
    async with platform.client("intake", role="admin") as admin:
        mangled = await admin.post("/referrals/import", content=_csv(last), headers={"content-type": "text/csv"})
        # A UTF-8 file with one Latin-1 byte: that line is rejected, the others are stored as written.
        one_bad = _csv(stray_last, "utf-8").replace("Hélène".encode(), "Hélène".encode("latin-1"))
        stray = await admin.post("/referrals/import", content=one_bad, headers={"content-type": "text/csv"})
        profile = (await admin.get("/import-profiles/plateforme")).json()["profile"]
        saved = await admin.post("/import-profiles", json={**profile, "name": name, "encoding": "cp1252"})
        assert saved.status_code == 201, saved.text
        params = {"profile": name, "source": "caf_msa_flow"}
        first = await admin.post("/referrals/import", content=_csv(last), params=params)
        assert first.status_code == 200, first.text
        again = await admin.post("/referrals/import", content=_csv(last), params=params)
        broken = await admin.post("/referrals/import", content=b"nom;prenom\nA;B\n")
    assert mangled.status_code == 422 and "ligne d'en-tête 1 : octet(s) E9 illisible(s) en utf-8" in mangled.text
    lines = {r["line"]: r for r in stray.json()["rows"]}
    assert lines[3]["status"] == "rejected" and "octet(s) E9 illisible(s) en utf-8" in lines[3]["reason"]
    assert lines[2]["status"] == "created"
    report = first.json()
    assert (report["total"], report["created"], report["duplicates"], report["rejected"]) == (5, 2, 1, 2)
    assert (report["encoding"], report["delimiter"]) == ("cp1252", ";")
    rows = {r["line"]: r for r in report["rows"]}
    assert rows[4] == {**rows[2], "line": 4, "status": "duplicate", "reason": rows[4]["reason"]}
    assert rows[5]["status"] == "rejected" and rows[5]["reason"].startswith("date de naissance : « 31/02/1988 »")
    assert rows[6]["status"] == "rejected" and "75056" in rows[6]["reason"]
    second = again.json()
    assert (second["created"], second["duplicates"], second["rejected"]) == (0, 3, 2)
    assert {r["beneficiary_id"] for r in second["rows"] if r["beneficiary_id"]} == {
        rows[2]["beneficiary_id"],
        rows[3]["beneficiary_id"],
    }
    assert broken.status_code == 422 and "birth_date" in broken.json()["detail"]
    created = {rows[2]["beneficiary_id"], rows[3]["beneficiary_id"]}
    events = await _intake_events(platform, lambda e: e.subject in created, count=2)
    assert {e.data["referral_source"] for e in events} == {"caf_msa_flow"}
    async with platform.client("intake", role="admin") as admin:
        named = (await admin.get(f"/beneficiaries/{lines[2]['beneficiary_id']}")).json()
    assert named["identity"]["last_name"] == stray_last and named["identity"]["first_name"] == "Zoé"


async def test_only_admins_import(platform):
    async with platform.client("intake", role="agency_manager", agency_id="ali-la-courneuve") as manager:
        refused = await manager.post("/referrals/import", content=_csv("Martin"), headers={"content-type": "text/csv"})
    assert refused.status_code == 403


async def test_no_identifying_value_of_the_file_reaches_the_intake_topic(platform):
    last = _unique("Nguyen")
    nir, allocataire = _numbers(last)
    async with platform.client("intake", role="admin") as admin:
        report = (await admin.post("/referrals/import", content=_csv(last, "utf-8"))).json()
    created = {r["beneficiary_id"] for r in report["rows"] if r["status"] == "created"}
    await _intake_events(platform, lambda e: e.subject in created, count=len(created))
    records = await read_topic(platform.kafka, platform.topic("intake.events"), idle=1.0)
    assert len(created) == 2 and created <= {dict(r.headers)["ce_subject"].decode() for r in records}
    identifying = [last, "Zoé", "Hélène", "1988-04-12", "12/04/1988", "1985-01-20", nir, nir.replace(" ", "")[:13]]
    identifying += [allocataire, "Vaillant", "06 98 76 54 32", f"zoe.{last.lower()}@example.org"]
    for record in records:
        carried = record.value + b"".join(v for _, v in record.headers) + (record.key or b"")
        for value in identifying:
            assert value.encode() not in carried, f"{value!r} found on the intake topic"


async def test_a_transfer_publishes_the_event_and_moves_the_file(platform):
    async with platform.client("intake", role="caseworker", agency_id="ali-la-courneuve") as courneuve:
        beneficiary_id = (await courneuve.post("/referrals", json=_referral("Karim", _unique("Martin")))).json()[
            "beneficiary_id"
        ]
        same = await courneuve.post(
            f"/beneficiaries/{beneficiary_id}/transfer", json={"commune_code": "93027", "address": "1 rue X"}
        )
        assert same.status_code == 409 and "no transfer is needed" in same.json()["detail"]
        moved = await courneuve.post(
            f"/beneficiaries/{beneficiary_id}/transfer",
            json={"commune_code": "93014", "address": "3 allée de Gagny", "transferred_on": date.today().isoformat()},
        )
        assert moved.status_code == 200, moved.text
        assert (await courneuve.get(f"/beneficiaries/{beneficiary_id}")).status_code == 403
    async with platform.client("intake", role="caseworker", agency_id="ali-clichy-sous-bois") as clichy:
        details = (await clichy.get(f"/beneficiaries/{beneficiary_id}")).json()
    assert (details["agency_id"], details["commune_code"]) == ("ali-clichy-sous-bois", "93014")
    assert details["identity"]["address"] == "3 allée de Gagny"
    [event] = await _intake_events(
        platform, lambda e: e.subject == beneficiary_id and e.type == "ali.intake.BeneficiaryTransferred"
    )
    assert event.data == {
        "beneficiary_id": beneficiary_id,
        "from_agency_id": "ali-la-courneuve",
        "to_agency_id": "ali-clichy-sous-bois",
        "commune_code": "93014",
        "transferred_on": date.today().isoformat(),
    }
    assert event.stream_version == 2 and event.partition_key == beneficiary_id


async def test_erasure_makes_the_identity_unreadable_and_keeps_the_statistics(platform):
    last = _unique("Camara")
    async with platform.client("intake", role="agency_manager", agency_id="ali-la-courneuve") as manager:
        beneficiary_id = (await manager.post("/referrals", json=_referral("Fatoumata", last))).json()["beneficiary_id"]
        erased = await manager.delete(f"/beneficiaries/{beneficiary_id}/personal-data")
        assert erased.status_code == 200 and erased.json()["status"] == "erased"
        twice = await manager.delete(f"/beneficiaries/{beneficiary_id}/personal-data")
        details = (await manager.get(f"/beneficiaries/{beneficiary_id}")).json()
        again = await manager.post("/referrals", json=_referral("Fatoumata", last))
        unknown = await manager.delete(f"/beneficiaries/{uuid.uuid4()}/personal-data")
    assert twice.status_code == 409 and unknown.status_code == 404
    assert (details["status"], details["identity"]) == ("erased", None)
    assert (details["age_band"], details["household_type"], details["agency_id"]) == (
        "35_44",
        "single_parent",
        "ali-la-courneuve",
    )
    assert again.status_code == 201 and again.json()["beneficiary_id"] != beneficiary_id
    [event] = await _intake_events(
        platform, lambda e: e.subject == beneficiary_id and e.type == "ali.intake.BeneficiaryPersonalDataErased"
    )
    assert event.data == {"beneficiary_id": beneficiary_id, "erased_on": date.today().isoformat()}


async def test_invalid_input_gets_the_field_and_the_reason(platform):
    async with platform.client("intake", role="admin") as admin:
        malformed = await admin.post("/referrals", json={"first_name": "Paul", "birth_date": "12/04/1988"})
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        future = await admin.post("/referrals", json=_referral("Paul", "Petit", orientation_date=tomorrow))
        far = await admin.post("/referrals", json=_referral("Paul", "Petit", orientation_date="2999-01-01"))
        bad_id = await admin.get("/beneficiaries/not-a-uuid")
        unknown = await admin.get(f"/beneficiaries/{uuid.uuid4()}")
        bad_move = await admin.post(f"/beneficiaries/{uuid.uuid4()}/transfer", json={"commune_code": "9"})
    assert malformed.status_code == 422
    assert {e["loc"][-1] for e in malformed.json()["errors"]} >= {"last_name", "birth_date", "commune_code"}
    assert future.status_code == 422 and future.json()["detail"].startswith("date d'orientation")
    assert far.status_code == 422 and far.json()["errors"][0]["loc"] == ["body", "orientation_date"]
    assert bad_id.status_code == 422 and unknown.status_code == 404
    assert bad_move.status_code == 422 and bad_move.json()["errors"][0]["loc"] == ["body", "commune_code"]
