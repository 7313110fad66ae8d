"""`python -m services.placement [serve|relay|consume|legacy-texts]`."""

from __future__ import annotations

from services.placement.bootstrap import build_app, build_runtime
from services.placement.settings import PlacementSettings
from shared.cli import main_keeping_texts
from shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(PlacementSettings, "placement")
    main_keeping_texts("placement", settings, settings.placement_http_port, build_runtime, build_app)
