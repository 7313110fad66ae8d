"""`python -m services.reporting [serve | rebuild ...]`: the indicators API and projection worker, or a rebuild."""

from __future__ import annotations

import argparse
import sys

import uvloop

from services.reporting.bootstrap import ReportingRuntime, build_app
from services.reporting.entrypoints import rebuild
from services.reporting.settings import ReportingSettings
from shared.http.processes import serve
from shared.logging import configure_logging
from shared.runtime import run_workers
from shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(ReportingSettings, "reporting")
    if len(sys.argv) > 1 and sys.argv[1] == "rebuild":
        configure_logging("WARNING", json=False)
        rebuild.main(sys.argv[2:], settings)
    parser = argparse.ArgumentParser(prog="python -m services.reporting", description="The reporting service.")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "rebuild"],
        help="serve the API and dashboard and run a projection worker (default; ALI_RUN_WORKERS=false: the API "
        "only; ALI_HTTP_WORKERS=N > 1: the API in N processes, the projection in one more), or rebuild the "
        "figures from the topics (`rebuild --help`)",
    )
    parser.parse_args()
    configure_logging(settings.log_level, settings.log_json, service="reporting")
    serve(
        lambda: build_app(settings),
        settings,
        settings.reporting_http_port,
        lambda board: uvloop.run(run_workers(ReportingRuntime(settings), board=board)),
    )
