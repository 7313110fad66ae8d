"""Wires intake: settings, aggregate store, persons' store, personal-data crypto, runtime and HTTP application."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from fastapi import FastAPI

from services.intake.adapters import name_index
from services.intake.adapters.crypto import BlindIndexer, PersonalDataVault
from services.intake.adapters.follow_ups import PostgresFollowUps
from services.intake.adapters.import_reports import PostgresImportReports
from services.intake.adapters.migrations import MIGRATIONS
from services.intake.adapters.persons import PostgresPersons
from services.intake.adapters.profiles import PostgresProfiles
from services.intake.entrypoints import agencies, beneficiaries, import_profiles, referrals
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.follow_up import AccompanimentsSeen
from services.intake.settings import IntakeSettings
from shared.adapters.aggregate_store import PostgresAggregateStore
from shared.eventstore import PostgresEventStore
from shared.http import service_app
from shared.migrations import EVENTSTORE, upgrade
from shared.service import ConsumerSpec, ServiceRuntime
from shared.unit_of_work import States


def build_runtime(settings: IntakeSettings) -> ServiceRuntime:
    """Intake's runtime: its store and outbox relay, the re-index of names, and the consumer of accompaniment's
    events (which accompaniment each enrolment opened, and when it closed)."""
    schema = settings.intake_db_schema
    seen = AccompanimentsSeen(schema)

    async def reindex_names(runtime: ServiceRuntime) -> None:
        vault, indexer = PersonalDataVault(settings.master_key()), BlindIndexer(settings.index_key())
        await name_index.reindex(runtime.pool, schema, vault, indexer)

    return ServiceRuntime(
        settings,
        context="intake",
        schema=schema,
        migrations=[MIGRATIONS],
        setup=[reindex_names],
        consumers=[ConsumerSpec("accompaniment-events", ["accompaniment"], lambda _runtime: seen.handlers())],
    )


def dependencies(settings: IntakeSettings, store: PostgresEventStore) -> Dependencies:
    """The handlers' dependencies on a connected, migrated event store."""
    return _factory(settings)(store)


def _factory(settings: IntakeSettings) -> Callable[[PostgresEventStore], Dependencies]:
    schema = settings.intake_db_schema
    persons = PostgresPersons(schema)
    vault = PersonalDataVault(settings.master_key())
    indexer = BlindIndexer(settings.index_key())
    follow_ups, profiles, reports = PostgresFollowUps(schema), PostgresProfiles(schema), PostgresImportReports(schema)
    states = States(settings.aggregate_states_kept)

    def build(store: PostgresEventStore) -> Dependencies:
        return Dependencies(
            PostgresAggregateStore(store, states=states), persons, vault, indexer, follow_ups, profiles, reports
        )

    return build


async def open_store(settings: IntakeSettings) -> tuple[asyncpg.Pool, PostgresEventStore]:
    """A pool and migrated store for work outside the HTTP process (the import command, benchmarks)."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    store = PostgresEventStore(
        pool, settings.intake_db_schema, source="/ali/intake", max_event_bytes=settings.max_event_bytes
    )
    await upgrade(settings.database_url, settings.intake_db_schema, EVENTSTORE, MIGRATIONS)
    vault, indexer = PersonalDataVault(settings.master_key()), BlindIndexer(settings.index_key())
    await name_index.reindex(pool, settings.intake_db_schema, vault, indexer)
    return pool, store


def build_app(settings: IntakeSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Intake's HTTP application."""
    settings = settings or IntakeSettings()
    runtime = build_runtime(settings)
    app = service_app(
        title="ALI intake",
        description=(
            "Referral and enrolment of RSA beneficiaries into the Agences locales d'insertion: de-duplication in"
            " every script, returns after a closed accompaniment, imports of the department's files (CSV, XLSX, the"
            " CAF/MSA flow) with mapping profiles, transfers between agencies, and personal data encrypted per"
            " person (erasable by destroying the person's key)."
        ),
        runtime=runtime,
        routers=[
            referrals.router,
            (referrals.imports, settings.intake_import_max_bytes),
            import_profiles.router,
            beneficiaries.router,
            agencies.router,
        ],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    build = _factory(settings)
    app.state.settings = settings
    app.state.dependencies = lambda running: build(running.store)
    return app
