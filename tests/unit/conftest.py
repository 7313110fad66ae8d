"""Unit tests read no setting from the environment (`make test` exports the local stack's endpoints and secrets)."""

from __future__ import annotations

import os

import pytest

_PLATFORM_VARIABLES = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "PGPASSWORD")


@pytest.fixture(autouse=True)
def _settings_from_no_environment(monkeypatch):
    for variable in list(os.environ):
        if variable.startswith("ALI_") or variable in _PLATFORM_VARIABLES:
            monkeypatch.delenv(variable)
