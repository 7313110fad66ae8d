"""Free text encrypted per owner in PostgreSQL, and the audit trail, on the real database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from shared import audit
from shared.adapters.private_texts import PostgresPrivateTexts
from shared.auth import Principal, Role
from shared.auth.http import authenticate
from shared.crypto import PersonalDataUnreadable
from shared.http import install_error_handlers
from shared.migrations import AUDIT, PRIVATE_TEXTS, upgrade
from shared.private_text import ERASED, MISSING, Owner, PersonalDataErased, TextRefTaken, TextState, text_ref

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 2)


@pytest.fixture
async def texts(pool, run_id, infra):
    schema = f"{run_id}_texts"
    await upgrade(infra.database_url, schema, PRIVATE_TEXTS)
    return PostgresPrivateTexts(schema, b"k" * 32)


async def test_texts_are_stored_encrypted_read_back_and_unreadable_once_their_owner_is_erased(pool, texts):
    alice, bob = Owner.person(uuid.uuid4()), Owner.person(uuid.uuid4())
    label, partner, other = (text_ref(uuid.uuid4(), "label"), text_ref(uuid.uuid4(), "partner"), uuid.uuid4())
    async with pool.acquire() as conn, conn.transaction():
        await texts.seal(conn, alice, {label: "Appeler Zéphyrine au 06 47 28 19 53", partner: "CCAS"})
        await texts.seal(conn, bob, {other: "Bob's"})
    stored = await pool.fetchval(f"SELECT string_agg(encode(sealed, 'escape'), ' ') FROM {texts.schema}.private_texts")
    assert "Zéphyrine" not in stored and "06 47" not in stored and "CCAS" not in stored
    async with pool.acquire() as conn:
        found = await texts.reveal(conn, [label, partner, other, uuid.uuid4()])
        assert [found[r].text for r in (label, partner, other)] == [
            "Appeler Zéphyrine au 06 47 28 19 53",
            "CCAS",
            "Bob's",
        ]
        assert list(found.values())[3].state == TextState.MISSING
        assert await texts.erase(conn, alice, TODAY) is True
        assert await texts.erase(conn, alice, TODAY) is False
        after = await texts.reveal(conn, [label, partner, other])
        assert [after[r].state for r in (label, partner, other)] == [
            TextState.ERASED,
            TextState.ERASED,
            TextState.AVAILABLE,
        ]
        assert await texts.erased_among(conn, [alice, bob]) == {alice}
        view = await texts.view(conn, alice, [label])
        assert view.erased and view.text(label) is None
        with pytest.raises(PersonalDataErased):
            await texts.seal(conn, alice, {uuid.uuid4(): "again"})
    keys = await pool.fetchrow(
        f"SELECT wrapped_key, erased_on FROM {texts.schema}.private_keys WHERE owner = $1", str(alice)
    )
    assert (keys["wrapped_key"], keys["erased_on"]) == (None, TODAY)
    assert (
        await pool.fetchval(
            f"SELECT count(*) FROM {texts.schema}.private_texts WHERE owner = $1 AND sealed IS NOT NULL", str(alice)
        )
        == 0
    )


async def test_a_view_reads_the_owners_erasure_and_texts_in_one_statement(pool, texts):
    alice, bob, carol = Owner.person(uuid.uuid4()), Owner.person(uuid.uuid4()), Owner.person(uuid.uuid4())
    label, partner = text_ref(uuid.uuid4(), "label"), text_ref(uuid.uuid4(), "partner")
    bobs, missing = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        await texts.seal(conn, alice, {label: "Atelier CV", partner: "Mission locale"})
        await texts.seal(conn, bob, {bobs: "Bob's"})
        await texts.erase(conn, bob, TODAY)
        statements: list[str] = []
        conn.add_query_logger(lambda record: statements.append(record.query))
        view = await texts.view(conn, alice, [label, partner, None, label, missing, bobs])
        await asyncio.sleep(0.1)  # query loggers are called soon after the query, not during it
        assert len(statements) == 1
        assert not view.erased and view.shown
        assert (view.text(label), view.text(partner)) == ("Atelier CV", "Mission locale")
        assert view.texts[missing] == MISSING and view.texts[bobs] == ERASED  # as `reveal` reads them
        erased = await texts.view(conn, bob, [bobs])
        assert erased.erased and erased.texts == {bobs: ERASED} and not erased.shown
        assert (await texts.view(conn, bob, [])).erased
        never = await texts.view(conn, carol, [])
        assert not never.erased and never.texts == {} and not never.shown


async def test_an_erasure_before_any_text_leaves_a_tombstone_that_refuses_later_texts(pool, texts):
    owner = Owner.contact(uuid.uuid4())
    async with pool.acquire() as conn:
        assert await texts.erase(conn, owner, TODAY) is True
        with pytest.raises(PersonalDataErased):
            await texts.seal(conn, owner, {uuid.uuid4(): "notes"})


async def test_a_reference_of_someone_else_is_refused_and_a_copied_ciphertext_does_not_decrypt(pool, texts):
    alice, bob = Owner.person(uuid.uuid4()), Owner.person(uuid.uuid4())
    ref, bobs = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        await texts.seal(conn, alice, {ref: "Alice's"})
        with pytest.raises(TextRefTaken):
            await texts.seal(conn, bob, {ref: "Bob overwriting Alice's"})
        await texts.seal(conn, alice, {ref: "Alice's, corrected"})
        assert (await texts.reveal(conn, [ref]))[ref].text == "Alice's, corrected"
        await texts.seal(conn, bob, {bobs: "Bob's"})
        # A ciphertext moved under another reference (or owner) is bound to its own: it does not decrypt.
        await conn.execute(
            f"""UPDATE {texts.schema}.private_texts SET sealed = (SELECT sealed FROM {texts.schema}.private_texts
                WHERE ref = $1) WHERE ref = $2""",
            ref,
            bobs,
        )
        with pytest.raises(PersonalDataUnreadable):
            await texts.reveal(conn, [bobs])


@pytest.fixture
async def trail(pool, run_id, infra):
    schema = f"{run_id}_audit"
    await upgrade(infra.database_url, schema, AUDIT)
    return audit.PostgresAuditTrail(pool, schema)


async def test_the_audit_trail_is_read_by_agency_managers_for_their_agency_and_by_admins(trail):
    person = uuid.uuid4()
    caseworker = Principal("alice", Role.CASEWORKER, "ali-stains")
    await audit.Audit(trail, caseworker).read("accompaniment", agency_id="ali-stains", beneficiary_id=person)
    await audit.Audit(trail, Principal("bob", Role.CASEWORKER, "ali-bondy")).read_people(
        "beneficiary", [(uuid.uuid4(), "ali-bondy")]
    )
    await audit.Audit(trail, Principal("dept", Role.DEPARTMENT_STAFF)).export(
        "indicators.csv", agency_id=None, detail="period 2025-01-01..2025-12-31"
    )
    app = FastAPI()
    app.include_router(audit.router)
    install_error_handlers(app)
    app.state.runtime = type("Runtime", (), {"audit": trail})()

    async def as_(principal: Principal, **params) -> httpx.Response:
        app.dependency_overrides[authenticate] = lambda: principal
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.get("/audit", params=params)

    manager = await as_(Principal("carol", Role.AGENCY_MANAGER, "ali-stains"))
    assert manager.status_code == 200
    [entry] = manager.json()
    assert (entry["subject"], entry["role"], entry["action"], entry["resource"]) == (
        "alice",
        "caseworker",
        "read",
        "accompaniment",
    )
    assert (entry["beneficiary_id"], entry["agency_id"], entry["caller_agency_id"]) == (
        str(person),
        "ali-stains",
        "ali-stains",
    )
    assert (await as_(Principal("carol", Role.AGENCY_MANAGER, "ali-stains"), agency_id="ali-bondy")).status_code == 403
    assert (await as_(caseworker)).status_code == 403
    assert (await as_(Principal("dept", Role.DEPARTMENT_STAFF))).status_code == 403
    everything = (await as_(Principal("root", Role.ADMIN))).json()
    assert [e["action"] for e in everything] == ["export", "read", "read"]
    assert everything[0]["detail"] == "period 2025-01-01..2025-12-31"
