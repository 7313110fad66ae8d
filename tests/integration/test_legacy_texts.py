"""Free text recorded in version-1 events leaves the store and the topic; an erased person's never comes back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from shared import legacy_texts
from shared.adapters.private_texts import PostgresPrivateTexts
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.eventstore import PostgresEventStore, Tracing
from shared.kafka import ensure_topics
from shared.migrations import PRIVATE_TEXTS, upgrade
from shared.outbox import OutboxRelay
from shared.private_text import TextState, text_ref
from tests.support import read_topic

pytestmark = pytest.mark.integration

SECRETS = ["Zéphyrine", "Ngozikwe", "diabète", "Jean Dupont", "06 47 28 19 53"]


async def _insert_v1(store: PostgresEventStore, stream: str, key: str, event_type: str, version: int, data: dict):
    """A row as an earlier version of the platform stored it (schema version 1)."""
    context, name = event_type.split(".")[1:]
    await store.pool.execute(
        f"""INSERT INTO {store.schema}.events (position, event_id, stream_id, version, partition_key, type,
                schema_version, dataschema, source, subject, correlation_id, causation_id, recorded_at, data)
            VALUES (nextval('{store.schema}.events_position_seq'), $1, $2, $3, $4, $5, 1, $6, '/ali/accompaniment',
                    $4, $7, NULL, $8, $9::jsonb)""",
        uuid.uuid4(),
        stream,
        version,
        key,
        event_type,
        f"urn:ali:schema:{context}:{name}:v1",
        uuid.uuid4(),
        datetime(2025, 3, 1, tzinfo=UTC),
        json.dumps(data),
    )


async def _publish(store, settings, topic) -> None:
    await OutboxRelay(store, settings, topic).publish_pending()


async def test_old_texts_move_to_the_private_store_and_leave_the_events_and_the_topic(pool, run_id, settings, infra):
    store = PostgresEventStore(pool, f"{run_id}_accompaniment", source="/ali/accompaniment")
    await store.migrate()
    await upgrade(infra.database_url, store.schema, PRIVATE_TEXTS)
    texts = PostgresPrivateTexts(store.schema, b"m" * 32)
    kept, erased = uuid.uuid4(), uuid.uuid4()
    acc_kept, acc_erased, objective, referral = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def header(accompaniment, person):
        return {"accompaniment_id": str(accompaniment), "beneficiary_id": str(person), "agency_id": "ali-stains"}

    await _insert_v1(
        store,
        f"accompaniment-{acc_kept}",
        str(kept),
        "ali.accompaniment.ObjectiveSet",
        2,
        {
            **header(acc_kept, kept),
            "objective_id": str(objective),
            "label": "Appeler Zéphyrine",
            "set_on": "2025-03-01",
        },
    )
    await _insert_v1(
        store,
        f"accompaniment-{acc_kept}",
        str(kept),
        "ali.accompaniment.ReferentAssigned",
        3,
        {**header(acc_kept, kept), "referent_id": "Jean Dupont", "assigned_on": "2025-03-01"},
    )
    await _insert_v1(
        store,
        f"accompaniment-{acc_kept}",
        str(kept),
        "ali.accompaniment.CandidateProfileUpdated",
        4,
        {
            **header(acc_kept, kept),
            "commune_code": "93072",
            "aptitudes": ["Handling", "écoute de Zéphyrine"],
            "available_slots": ["morning"],
            "max_weekly_hours": 35,
            "max_commute_km": 10,
            "driving_licence": False,
            "health_restrictions": ["diabète", "no_carrying"],
            "wished_sectors": ["logistics", "Jean Dupont"],
        },
    )
    await _insert_v1(
        store,
        f"accompaniment-{acc_erased}",
        str(erased),
        "ali.accompaniment.SchemeReferralMade",
        2,
        {
            **header(acc_erased, erased),
            "referral_id": str(referral),
            "scheme": "social_services",
            "partner": "Ngozikwe, 06 47 28 19 53",
            "referred_on": "2025-03-01",
        },
    )
    topic = settings.topic("accompaniment.events")
    await ensure_topics(settings, [topic, settings.topic("accompaniment.dlq"), settings.topic("intake.events")])
    await _publish(store, settings, topic)  # what an earlier version published
    intake = PostgresEventStore(pool, f"{run_id}_intake", source="/ali/intake")
    await intake.migrate()
    await intake.append(
        f"beneficiary-{erased}",
        0,
        [BeneficiaryPersonalDataErased(beneficiary_id=erased, erased_on=date(2025, 4, 1))],
        partition_key=str(erased),
        tracing=Tracing.new(),
    )
    await OutboxRelay(intake, settings, settings.topic("intake.events")).publish_pending()
    assert any(s.encode() in r.value for r in await read_topic(settings, topic) for s in SECRETS)

    report = await legacy_texts.run(settings, store, "accompaniment", texts, republish_topic=True, dead_letters=True)

    assert (report.erasures_replayed, report.events_rewritten) == (1, 4)
    assert (report.texts_moved, report.texts_dropped_for_erased_owners) == (1, 1)
    # Before: 4 records and the markers of the relay's transactions; the 4 copies stay.
    assert report.events_republished == 4 and report.offsets_deleted >= 4
    rows = await pool.fetch(f"SELECT type, schema_version, data::text AS data FROM {store.schema}.events")
    assert {(r["type"].rsplit(".", 1)[1], r["schema_version"]) for r in rows} == {
        ("ObjectiveSet", 2),
        ("ReferentAssigned", 2),
        ("CandidateProfileUpdated", 2),
        ("SchemeReferralMade", 2),
    }
    stored = " ".join(r["data"] for r in rows)
    assert not [s for s in SECRETS if s in stored], stored
    profile = next(json.loads(r["data"]) for r in rows if r["type"].endswith("CandidateProfileUpdated"))
    assert (profile["aptitudes"], profile["work_constraints"], profile["wished_sectors"]) == (
        ["handling"],
        ["no_heavy_lifting"],
        ["H"],
    )
    async with pool.acquire() as conn:
        found = await texts.reveal(conn, [text_ref(objective, "label"), text_ref(referral, "partner")])
    assert found[text_ref(objective, "label")].text == "Appeler Zéphyrine"
    assert found[text_ref(referral, "partner")].state == TextState.MISSING  # never stored: its owner was erased

    records = await read_topic(settings, topic)
    assert len(records) == 4 and all(r.offset >= 1 for r in records if r.partition is not None)
    assert not [s for r in records for s in SECRETS if s.encode() in r.value]

    again = await legacy_texts.run(settings, store, "accompaniment", texts)
    assert (again.events_rewritten, again.texts_moved) == (0, 0)
