"""The reporting projection: every fact handler, registered, and the functions to fold events into rows."""

from __future__ import annotations

from services.reporting.domain import facts_accompaniment, facts_intake, facts_placement  # noqa: F401 - registers
from services.reporting.domain.facts import HANDLERS, apply, fold, handles

__all__ = ["HANDLERS", "apply", "fold", "handles"]
