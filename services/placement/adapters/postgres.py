"""Placement's ports implemented on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.placement.adapters.candidates import PostgresCandidates
from services.placement.adapters.db import PostgresDatabase
from services.placement.adapters.employers import PostgresEmployers
from services.placement.adapters.immersions import PostgresImmersions
from services.placement.adapters.introductions import PostgresIntroductions
from services.placement.adapters.needs import PostgresNeeds
from services.placement.service_layer.ports import Ports
from shared.eventstore import EventStore


@dataclass(frozen=True)
class PostgresPorts(Ports):
    """The ports, with the query methods of the PostgreSQL read models for the routes."""

    db: PostgresDatabase
    employers: PostgresEmployers
    needs: PostgresNeeds
    candidates: PostgresCandidates
    introductions: PostgresIntroductions
    immersions: PostgresImmersions


def postgres_ports(pool: asyncpg.Pool, store: EventStore, schema: str) -> PostgresPorts:
    """Placement's ports on one pool and schema."""
    return PostgresPorts(
        db=PostgresDatabase(pool),
        store=store,
        employers=PostgresEmployers(schema),
        needs=PostgresNeeds(schema),
        candidates=PostgresCandidates(schema),
        introductions=PostgresIntroductions(schema),
        immersions=PostgresImmersions(schema),
    )
