"""`python -m services.accompaniment [serve|relay|consume]`."""

from __future__ import annotations

from services.accompaniment.bootstrap import build_app, build_runtime
from services.accompaniment.settings import AccompanimentSettings
from shared.cli import main

if __name__ == "__main__":
    settings = AccompanimentSettings()
    main(
        "accompaniment",
        settings,
        settings.accompaniment_http_port,
        lambda: build_runtime(settings),
        lambda: build_app(settings),
    )
