"""`python -m services.accompaniment [serve|relay|consume]`."""

from __future__ import annotations

from services.accompaniment.bootstrap import build_app, build_runtime
from services.accompaniment.settings import AccompanimentSettings
from shared.cli import main
from shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(AccompanimentSettings, "accompaniment")
    main(
        "accompaniment",
        settings,
        settings.accompaniment_http_port,
        lambda: build_runtime(settings),
        lambda: build_app(settings),
    )
