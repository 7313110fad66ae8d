"""Each barrier has its own identity: in the decisions, the fold, old events read again, and the figures."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import ClassVar

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.decisions import diagnosis
from services.accompaniment.domain.errors import AlreadyRecorded, ItemNotFound, TransitionRefused
from services.accompaniment.domain.evolution import ACCOMPANIMENT
from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.state import BarrierStatus
from services.reporting.adapters import records
from services.reporting.domain import projection
from services.reporting.domain.facts import Accompaniment
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import (
    AccompanimentOpened,
    BarrierCategory,
    BarrierIdentified,
    BarrierLifted,
    legacy_barrier_id,
)
from shared.envelope import Envelope
from shared.errors import EnvelopeError
from shared.events import DomainEvent, EventRegistry, Origin
from tests.builders import envelope_of
from tests.unit.accompaniment_steps import opening

TODAY = date(2025, 9, 1)
CTX = Context(today=TODAY, rules=Rules())
MOBILITY = BarrierCategory.MOBILITY


def _opened() -> AccompanimentOpened:
    days = dict(start_date=date(2025, 1, 6), planned_end_date=date(2026, 1, 6), orientation_date=date(2025, 1, 2))
    return opening(agency_id="ali-bobigny", commune_code="93008", **days)


def _fold(events):
    return ACCOMPANIMENT.fold(events)


def _identify(state, on: date, barrier_id=None):
    cmd = c.IdentifyBarrier(category=MOBILITY, identified_on=on, **({"barrier_id": barrier_id} if barrier_id else {}))
    return diagnosis.identify_barrier(state, cmd, CTX)


def _move(state, status: c.BarrierProgress, on: date, *, barrier_id=None, category=None):
    cmd = c.ProgressBarrier(barrier_id=barrier_id, category=category, status=status, on=on)
    return diagnosis.progress_barrier(state, cmd, CTX)


def test_a_category_identified_again_after_it_was_lifted_is_a_second_barrier():
    events: list = [_opened()]
    events += _identify(_fold(events), date(2025, 2, 1))
    first = _fold(events).barriers[0].id
    events += _move(_fold(events), c.BarrierProgress.LIFTED, date(2025, 4, 1), barrier_id=first)
    events += _identify(_fold(events), date(2025, 6, 1))
    state = _fold(events)
    assert [(b.category, b.status) for b in state.barriers] == [
        (MOBILITY, BarrierStatus.LIFTED),
        (MOBILITY, BarrierStatus.IDENTIFIED),
    ]
    second = state.barriers[1].id
    assert second != first
    [lifted] = _move(state, c.BarrierProgress.LIFTED, date(2025, 7, 1), barrier_id=second)
    assert (lifted.barrier_id, lifted.days_since_identified) == (second, 30)
    state = _fold([*events, lifted])
    assert [b.ended_on for b in state.barriers] == [date(2025, 4, 1), date(2025, 7, 1)]


def test_a_barrier_that_ended_cannot_move_on_and_an_unknown_one_is_not_found():
    events: list = [_opened()]
    events += _identify(_fold(events), date(2025, 2, 1))
    first = _fold(events).barriers[0].id
    events += _move(_fold(events), c.BarrierProgress.NOT_LIFTED, date(2025, 3, 1), barrier_id=first)
    with pytest.raises(TransitionRefused, match="a pris fin le 2025-03-01 .not_lifted. : identifiez un nouveau frein"):
        _move(_fold(events), c.BarrierProgress.LIFTED, date(2025, 4, 1), barrier_id=first)
    with pytest.raises(ItemNotFound, match="aucun frein"):
        _move(_fold(events), c.BarrierProgress.LIFTED, date(2025, 4, 1), barrier_id=uuid.uuid4())


def test_the_category_route_acts_on_the_barrier_of_that_category_being_followed():
    events: list = [_opened()]
    events += _identify(_fold(events), date(2025, 2, 1))
    events += _move(_fold(events), c.BarrierProgress.LIFTED, date(2025, 3, 1), category=MOBILITY)
    events += _identify(_fold(events), date(2025, 5, 1))
    [worked] = _move(_fold(events), c.BarrierProgress.WORKED_ON, date(2025, 5, 2), category=MOBILITY)
    assert worked.barrier_id == _fold(events).barriers[1].id


def test_a_barrier_id_given_twice_is_refused():
    events: list = [_opened()]
    barrier_id = uuid.uuid4()
    events += _identify(_fold(events), date(2025, 2, 1), barrier_id)
    events += _move(_fold(events), c.BarrierProgress.LIFTED, date(2025, 3, 1), barrier_id=barrier_id)
    with pytest.raises(AlreadyRecorded, match=f"barrier {barrier_id} is already recorded"):
        _identify(_fold(events), date(2025, 4, 1), barrier_id)


def test_a_progress_names_its_barrier_by_id_or_by_category_not_both():
    with pytest.raises(ValueError, match="not both"):
        c.ProgressBarrier(barrier_id=uuid.uuid4(), category=MOBILITY, status=c.BarrierProgress.LIFTED)
    with pytest.raises(ValueError, match="name the barrier"):
        c.ProgressBarrier(status=c.BarrierProgress.LIFTED)


# --- events recorded before barriers had an id ------------------------------------------------------------------


def _envelope(event: DomainEvent, stream_id: str, version: int, *, v1: bool = False) -> Envelope:
    recorded = envelope_of(event, stream_id, version, key="p", time=datetime(2025, 9, 1, tzinfo=UTC))
    if not v1:
        return recorded
    data = {k: v for k, v in recorded.data.items() if k != "barrier_id"}
    return recorded.model_copy(update={"data": data, "schema_version": 1})


def _legacy_history() -> tuple[AccompanimentOpened, list[Envelope]]:
    """Mobility identified, lifted, identified again: recorded as v1 (no barrier id), the last lift as v2."""
    opened = _opened()
    head = dict(accompaniment_id=opened.accompaniment_id, beneficiary_id=opened.beneficiary_id, agency_id="ali-bobigny")
    stream = ACCOMPANIMENT.stream_id(opened.accompaniment_id)
    placeholder = uuid.uuid4()  # dropped from the v1 payloads below
    lift = dict(category=MOBILITY, barrier_id=placeholder)
    envelopes = [
        _envelope(opened, stream, 1),
        _envelope(BarrierIdentified(**head, **lift, identified_on=date(2025, 2, 1)), stream, 2, v1=True),
        _envelope(
            BarrierLifted(**head, **lift, lifted_on=date(2025, 3, 1), days_since_identified=28), stream, 3, v1=True
        ),
        _envelope(BarrierIdentified(**head, **lift, identified_on=date(2025, 5, 1)), stream, 4, v1=True),
        _envelope(
            BarrierLifted(
                **head,
                category=MOBILITY,
                barrier_id=legacy_barrier_id(stream, 4),
                lifted_on=date(2025, 6, 1),
                days_since_identified=31,
            ),
            stream,
            5,
        ),
    ]
    return opened, envelopes


def test_a_barrier_recorded_without_id_is_named_after_its_position_in_the_stream():
    opened, envelopes = _legacy_history()
    decoded = [
        REGISTRY.decode(e.type, e.schema_version, e.data, Origin(e.stream_id, e.stream_version)) for e in envelopes
    ]
    stream = envelopes[0].stream_id
    assert decoded[1].barrier_id == legacy_barrier_id(stream, 2) and decoded[2].barrier_id is None
    state = ACCOMPANIMENT.fold(decoded)
    assert [(b.id, b.status, b.ended_on) for b in state.barriers] == [
        (legacy_barrier_id(stream, 2), BarrierStatus.LIFTED, date(2025, 3, 1)),
        (legacy_barrier_id(stream, 4), BarrierStatus.LIFTED, date(2025, 6, 1)),
    ]
    assert legacy_barrier_id(stream, 2) == legacy_barrier_id(stream, 2) != legacy_barrier_id(stream, 4)


def test_an_upcaster_that_needs_the_position_refuses_a_payload_without_it():
    _, envelopes = _legacy_history()
    v1 = envelopes[1]
    with pytest.raises(EnvelopeError, match="decode it with its origin"):
        REGISTRY.decode(v1.type, v1.schema_version, v1.data)


def test_a_registry_passes_the_origin_only_to_the_upcasters_that_ask_for_it():
    class Counted(DomainEvent):
        context: ClassVar[str] = "test"
        schema_version: ClassVar[int] = 3
        key: str
        extra: int

    registry = EventRegistry([Counted])
    registry.upcaster(Counted.event_type(), 1, needs_origin=True)(
        lambda data, origin: {**data, "key": f"{origin.stream_id}@{origin.stream_version}"}
    )
    registry.upcaster(Counted.event_type(), 2)(lambda data: {**data, "extra": 0})
    decoded = registry.decode(Counted.event_type(), 1, {}, Origin("s-1", 7))
    assert decoded == Counted(key="s-1@7", extra=0)
    assert registry.decode(Counted.event_type(), 2, {"key": "k"}) == Counted(key="k", extra=0)


def test_reporting_counts_every_identification_of_a_category_also_from_old_events():
    opened, envelopes = _legacy_history()
    events = [records.to_event(e.kafka_value(), e.kafka_headers()) for e in envelopes]
    facts = projection.fold_all(events)
    barriers = facts.get(Accompaniment, str(opened.accompaniment_id)).barriers
    stream = envelopes[0].stream_id
    assert [(b.barrier_id, b.identified_on, b.lifted_on) for b in barriers] == [
        (str(legacy_barrier_id(stream, 2)), date(2025, 2, 1), date(2025, 3, 1)),
        (str(legacy_barrier_id(stream, 4)), date(2025, 5, 1), date(2025, 6, 1)),
    ]
    # Replayed, the same facts: the identity is stable.
    again = projection.fold_all(records.to_event(e.kafka_value(), e.kafka_headers()) for e in envelopes)
    assert again.get(Accompaniment, str(opened.accompaniment_id)).barriers == barriers
