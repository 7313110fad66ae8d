"""Wires intake: settings, aggregate store, persons' store, personal-data crypto, runtime and HTTP application."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from fastapi import FastAPI

from services.intake.adapters.crypto import BlindIndexer, PersonalDataVault
from services.intake.adapters.migrations import MIGRATIONS
from services.intake.adapters.persons import PostgresPersons
from services.intake.entrypoints import agencies, beneficiaries, referrals
from services.intake.service_layer.dependencies import Dependencies
from services.intake.settings import IntakeSettings
from shared.adapters.aggregate_store import PostgresAggregateStore
from shared.eventstore import PostgresEventStore
from shared.http import service_app
from shared.migrations import EVENTSTORE, upgrade
from shared.service import ServiceRuntime


def build_runtime(settings: IntakeSettings) -> ServiceRuntime:
    """Intake's runtime: its store and outbox relay (intake consumes no other context)."""
    return ServiceRuntime(settings, context="intake", schema=settings.intake_db_schema, migrations=[MIGRATIONS])


def dependencies(settings: IntakeSettings, store: PostgresEventStore) -> Dependencies:
    """The handlers' dependencies on a connected, migrated event store."""
    return _factory(settings)(store)


def _factory(settings: IntakeSettings) -> Callable[[PostgresEventStore], Dependencies]:
    persons = PostgresPersons(settings.intake_db_schema)
    vault = PersonalDataVault(settings.master_key())
    indexer = BlindIndexer(settings.index_key())

    def build(store: PostgresEventStore) -> Dependencies:
        return Dependencies(PostgresAggregateStore(store), persons, vault, indexer)

    return build


async def open_store(settings: IntakeSettings) -> tuple[asyncpg.Pool, PostgresEventStore]:
    """A pool and migrated store for work outside the HTTP process (the import command, benchmarks)."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    store = PostgresEventStore(
        pool, settings.intake_db_schema, source="/ali/intake", max_event_bytes=settings.max_event_bytes
    )
    await upgrade(settings.database_url, settings.intake_db_schema, EVENTSTORE, MIGRATIONS)
    return pool, store


def build_app(settings: IntakeSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Intake's HTTP application."""
    settings = settings or IntakeSettings()
    runtime = build_runtime(settings)
    app = service_app(
        title="ALI intake",
        description=(
            "Referral and enrolment of RSA beneficiaries into the Agences locales d'insertion: de-duplication, bulk"
            " import of the department's monthly file, transfers between agencies, and personal data encrypted per"
            " person (erasable by destroying the person's key)."
        ),
        runtime=runtime,
        routers=[referrals.router, beneficiaries.router, agencies.router],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    build = _factory(settings)
    app.state.settings = settings
    app.state.dependencies = lambda running: build(running.store)
    return app
