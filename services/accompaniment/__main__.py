"""`python -m services.accompaniment [serve|relay|consume|legacy-texts]`."""

from __future__ import annotations

from services.accompaniment.bootstrap import build_app, build_runtime
from services.accompaniment.settings import AccompanimentSettings
from shared.cli import main_keeping_texts
from shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(AccompanimentSettings, "accompaniment")
    main_keeping_texts("accompaniment", settings, settings.accompaniment_http_port, build_runtime, build_app)
