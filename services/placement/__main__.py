"""`python -m services.placement [serve|relay]`."""

from __future__ import annotations

from services.placement.bootstrap import build_app, build_runtime
from services.placement.settings import PlacementSettings
from shared.cli import main
from shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(PlacementSettings, "placement")
    main(
        "placement",
        settings,
        settings.placement_http_port,
        lambda: build_runtime(settings),
        lambda: build_app(settings),
    )
