from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.reporting.domain import projection
from shared.envelope import Envelope


def _event(kind: str, accompaniment_id: str, version: int, agency: str = "ali-a", group: str | None = None):
    accompaniment_id = str(uuid.uuid5(uuid.NAMESPACE_OID, accompaniment_id))
    data = {"accompaniment_id": accompaniment_id, "agency_id": agency, "beneficiary_id": str(uuid.uuid4())}
    if kind == "opened":
        data |= {"start_date": "2025-01-01", "planned_end_date": "2026-01-01", "orientation_date": "2024-12-20"}
    else:
        data |= {
            "closed_on": "2025-06-01",
            "exit_category": {
                "emploi_durable": "cdi",
                "emploi_transition": "contrat_aide",
                "sortie_positive": "qualifying_training",
                "autre_sortie": "unemployment",
            }[group],
            "exit_group": group,
        }
    return Envelope(
        id=uuid.uuid4(),
        source="/ali/accompaniment",
        type=projection.OPENED if kind == "opened" else projection.CLOSED,
        time=datetime.now(UTC),
        dataschema="urn:x",
        schema_version=1,
        stream_id=f"accompaniment-{accompaniment_id}",
        stream_version=version,
        partition_key="p",
        correlation_id=uuid.uuid4(),
        data=data,
    )


def _fold(events):
    rows: dict[str, dict] = {}
    for e in events:
        key = e.data["accompaniment_id"]
        new = projection.apply(rows.get(key), e)
        if new is not None:
            rows[key] = new
    return rows


def test_replayed_events_are_not_counted_twice():
    events = [_event("opened", "a1", 1), _event("closed", "a1", 2, group="emploi_durable")]
    once = _fold(events)
    twice = _fold(events + events)
    assert once == twice
    department, _ = projection.exit_rates(twice.values())
    assert department.exits == 1


def test_rates_by_agency_and_department():
    events = [
        _event("opened", "a1", 1, "ali-a"),
        _event("closed", "a1", 2, "ali-a", "emploi_durable"),
        _event("opened", "a2", 1, "ali-a"),
        _event("closed", "a2", 2, "ali-a", "autre_sortie"),
        _event("opened", "a3", 1, "ali-b"),
        _event("closed", "a3", 2, "ali-b", "sortie_positive"),
        _event("opened", "a4", 1, "ali-b"),
    ]
    department, agencies = projection.exit_rates(_fold(events).values())
    assert (department.exits, department.positive_exits, department.active) == (3, 2, 1)
    assert department.positive_exit_rate == round(2 / 3, 4)
    assert department.emploi_durable_rate == round(1 / 3, 4)
    assert agencies["ali-a"].positive_exit_rate == 0.5
    assert agencies["ali-b"].positive_exit_rate == 1.0 and agencies["ali-b"].active == 1


def test_the_positive_groups_are_a_setting():
    events = [_event("opened", "a1", 1), _event("closed", "a1", 2, group="emploi_transition")]
    department, _ = projection.exit_rates(_fold(events).values(), positive_groups=["emploi_durable"])
    assert department.positive_exit_rate == 0.0


def test_no_exit_means_no_rate():
    department, _ = projection.exit_rates(_fold([_event("opened", "a1", 1)]).values())
    assert department.positive_exit_rate is None


def test_unrelated_event_types_change_nothing():
    event = _event("opened", "a1", 1).model_copy(update={"type": "ali.accompaniment.SomethingElse"})
    assert projection.apply(None, event) is None


def test_an_unreadable_known_event_is_an_envelope_error():
    import pytest

    from shared.errors import EnvelopeError

    event = _event("closed", "a1", 2, group="emploi_durable")
    broken = event.model_copy(update={"data": {**event.data, "exit_category": "lottery"}})
    with pytest.raises(EnvelopeError):
        projection.apply(None, broken)
