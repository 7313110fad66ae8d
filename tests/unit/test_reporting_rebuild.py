"""The rebuild's worker processes read the topics with the service's own credentials, not masked copies."""

from __future__ import annotations

import os

from services.reporting.domain.facts import FactSet
from services.reporting.entrypoints import rebuild
from services.reporting.settings import ReportingSettings

KAFKA_PASSWORD = "kafka-password-of-reporting"
DATABASE_PASSWORD = "database-password-of-reporting"


def test_every_worker_process_gets_the_real_credentials(monkeypatch):
    settings = ReportingSettings(
        kafka_username="reporting",
        kafka_password=KAFKA_PASSWORD,
        database_user="ali_reporting",
        database_password=DATABASE_PASSWORD,
    )
    parent = os.getpid()
    end = {("ali.intake.events", 0): 5, ("ali.placement.events", 0): 3}

    async def end_offsets(_settings):
        return end

    def fold(child_settings: ReportingSettings, share):
        # Runs in the forked children too: a wrong credential fails the child, and the replay with it.
        assert child_settings.kafka_username == "reporting"
        assert child_settings.kafka_password.get_secret_value() == KAFKA_PASSWORD
        assert child_settings.database_password.get_secret_value() == DATABASE_PASSWORD
        assert f"ali_reporting:{DATABASE_PASSWORD}@" in child_settings.database_url
        # The records "read" tell which process folded which share.
        in_child = os.getpid() != parent
        return FactSet(), sum(share.values()) if in_child else 0, 0, 0

    monkeypatch.setattr(rebuild, "_end_offsets", end_offsets)
    monkeypatch.setattr(rebuild, "_fold", fold)
    result = rebuild.replay(settings, workers=2)
    # Two shares: the biggest partition folded here, the other in a child, which checked its credentials.
    assert result.records == 3
