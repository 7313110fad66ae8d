"""Published contracts: the events each bounded context puts on its topic, and shared referentials.

Every class here is part of the public interface read by the other services and by BI tools; its JSON
Schema is generated into `shared/schemas/` and checked for compatible evolution.
"""

from __future__ import annotations

from typing import Any

from shared.contracts import accompaniment, intake, legacy, placement
from shared.events import EventRegistry, Origin

REGISTRY = EventRegistry([*intake.EVENTS, *accompaniment.EVENTS, *placement.EVENTS])
legacy.register(REGISTRY)


@REGISTRY.upcaster(accompaniment.AccompanimentOpened.event_type(), 1)
def _opened_v1_has_no_commune(payload: dict[str, Any]) -> dict[str, Any]:
    """AccompanimentOpened v1 -> v2: the commune was not recorded; it stays unknown (null) in the event.

    The accompaniment service knows it from elsewhere: its read model row, written from the enrolment event
    it consumed when it opened the accompaniment, and the later events of the stream that carry the commune
    (transfers, candidate profiles). Other consumers take the commune from intake's events.
    """
    return {**payload, "commune_code": None}


@REGISTRY.upcaster(accompaniment.BarrierIdentified.event_type(), 1, needs_origin=True)
def _barrier_identified_v1_named_by_position(payload: dict[str, Any], origin: Origin) -> dict[str, Any]:
    """BarrierIdentified v1 -> v2: the barrier is named after the identification's position in its stream."""
    return {**payload, "barrier_id": str(accompaniment.legacy_barrier_id(origin.stream_id, origin.stream_version))}


def _barrier_named_by_category(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2 of the later barrier events: they named the category only; the barrier stays unnamed (null)."""
    return {**payload, "barrier_id": None}


for _later in (accompaniment.BarrierWorkedOn, accompaniment.BarrierLifted, accompaniment.BarrierNotLifted):
    REGISTRY.upcaster(_later.event_type(), 1)(_barrier_named_by_category)


@REGISTRY.upcaster("ali.intake.BeneficiaryEnrolled", 1)
def _enrolment_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v1 knew only first enrolments."""
    return {**data, "is_return": False, "previous_accompaniment_id": None}


@REGISTRY.upcaster(accompaniment.AccompanimentOpened.event_type(), 2)
def _opened_v2_first_accompaniment(payload: dict[str, Any]) -> dict[str, Any]:
    """AccompanimentOpened v2 -> v3: before v3 every accompaniment followed a first enrolment."""
    return {**payload, "is_return": False, "previous_accompaniment_id": None}


@REGISTRY.upcaster(accompaniment.ExitProposed.event_type(), 1)
def _exit_proposed_v1_by_a_hire(payload: dict[str, Any]) -> dict[str, Any]:
    """ExitProposed v1 -> v2: every exit proposed before v2 came from a hire."""
    return {**payload, "cause": "hire", "rights_ended_on": None}
