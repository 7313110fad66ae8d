"""`python -m services.placement [serve|relay|consume|legacy-texts]`."""

from __future__ import annotations

from services.placement.bootstrap import build_app, build_runtime
from services.placement.settings import PlacementSettings
from shared import legacy_texts
from shared.adapters.private_texts import PostgresPrivateTexts
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
        legacy_texts=lambda argv: legacy_texts.main(
            settings,
            "placement",
            lambda: build_runtime(settings),
            lambda runtime: PostgresPrivateTexts(runtime.schema, settings.master_key()),
            argv,
        ),
    )
