"""HTTP pieces every service shares: the application, its error answers and their documentation, body limits,
query parameters, health and metrics."""

from shared.http.app import ReadinessCheck, health_router, install_metrics, service_app
from shared.http.errors import install_error_handlers

__all__ = ["ReadinessCheck", "health_router", "install_error_handlers", "install_metrics", "service_app"]
