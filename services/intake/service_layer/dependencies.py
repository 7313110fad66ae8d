"""What intake's handlers need, wired once by the bootstrap and handed to each handler."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.adapters.crypto import BlindIndexer, PersonalDataVault
from services.intake.adapters.follow_ups import FollowUps
from services.intake.adapters.import_reports import ImportReports
from services.intake.adapters.persons import PersonsRepository
from services.intake.adapters.profiles import ProfileStore
from services.intake.adapters.transactions import Transactions
from shared.eventstore import EventStore


@dataclass(frozen=True)
class Dependencies:
    """Transactions, the event store, the persons' store, the personal-data crypto, follow-ups, profiles, reports."""

    transactions: Transactions
    store: EventStore
    persons: PersonsRepository
    vault: PersonalDataVault
    indexer: BlindIndexer
    follow_ups: FollowUps
    profiles: ProfileStore
    reports: ImportReports
