"""Published contracts: the events each bounded context puts on its topic, and shared referentials.

Every class here is part of the public interface read by the other services and by BI tools; its JSON
Schema is generated into `shared/schemas/` and checked for compatible evolution.
"""

from __future__ import annotations

from shared.contracts import accompaniment, intake, placement
from shared.events import EventRegistry

REGISTRY = EventRegistry([*intake.EVENTS, *accompaniment.EVENTS, *placement.EVENTS])


@REGISTRY.upcaster("ali.intake.BeneficiaryEnrolled", 1)
def _enrolment_v1(data: dict) -> dict:
    """v1 knew only first enrolments."""
    return {**data, "is_return": False, "previous_accompaniment_id": None}
