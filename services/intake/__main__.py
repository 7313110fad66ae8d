"""`python -m services.intake [serve|relay]`."""

from __future__ import annotations

from services.intake.bootstrap import build_app, build_runtime
from services.intake.settings import IntakeSettings
from shared.cli import main

if __name__ == "__main__":
    settings = IntakeSettings()
    main("intake", settings, settings.intake_http_port, lambda: build_runtime(settings), lambda: build_app(settings))
