"""`python -m services.reporting`: the indicators API with its faust projection."""

from __future__ import annotations

import argparse

import uvicorn

from services.reporting.bootstrap import build_app
from services.reporting.settings import ReportingSettings
from shared.logging import configure_logging

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m services.reporting", description="The reporting service.")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve"], help="serve the API (default)")
    parser.parse_args()
    settings = ReportingSettings()
    configure_logging(settings.log_level, settings.log_json, service="reporting")
    uvicorn.run(build_app(settings), host=settings.http_host, port=settings.reporting_http_port, log_config=None)
