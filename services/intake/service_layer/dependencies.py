"""What intake's handlers need, wired once by the bootstrap and handed to each handler."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.adapters.crypto import BlindIndexer, PersonalDataVault
from services.intake.service_layer.ports import FollowUps, ImportReports, PersonsRepository, ProfileStore
from shared.unit_of_work import AggregateStore


@dataclass(frozen=True)
class Dependencies:
    """The aggregate store, the persons' store, the personal-data crypto, follow-ups, profiles and reports."""

    store: AggregateStore
    persons: PersonsRepository
    vault: PersonalDataVault
    indexer: BlindIndexer
    follow_ups: FollowUps
    profiles: ProfileStore
    reports: ImportReports
