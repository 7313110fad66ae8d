"""`python -m services.reporting [serve | rebuild ...]`: the indicators API, or a rebuild from the topics."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from services.reporting.bootstrap import build_app
from services.reporting.entrypoints import rebuild
from services.reporting.settings import ReportingSettings
from shared.logging import configure_logging
from shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(ReportingSettings, "reporting")
    if len(sys.argv) > 1 and sys.argv[1] == "rebuild":
        configure_logging("WARNING", json=False)
        rebuild.main(sys.argv[2:])
    parser = argparse.ArgumentParser(prog="python -m services.reporting", description="The reporting service.")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "rebuild"],
        help="serve the API and dashboard (default), or rebuild the figures from the topics",
    )
    parser.parse_args()
    configure_logging(settings.log_level, settings.log_json, service="reporting")
    uvicorn.run(build_app(settings), host=settings.http_host, port=settings.reporting_http_port, log_config=None)
