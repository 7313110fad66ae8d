"""Outcome projection: one row per accompaniment, folded from accompaniment events, and the rates.

Rows are set, never incremented, and an event older than the row's version is ignored: replaying an
event (at-least-once delivery, a restart, a rebuild) cannot count it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.contracts import REGISTRY
from shared.contracts.accompaniment import AccompanimentClosed, AccompanimentOpened
from shared.contracts.exits import DEFAULT_POSITIVE_GROUPS, ExitGroup
from shared.envelope import Envelope

OPENED = AccompanimentOpened.event_type()
CLOSED = AccompanimentClosed.event_type()


def apply(row: dict | None, envelope: Envelope) -> dict | None:
    """The row after `envelope`, or None when the event changes nothing (unknown type, already applied).

    Raises `EnvelopeError` when a known event's payload cannot be read (it is then dead-lettered).
    """
    if envelope.type not in (OPENED, CLOSED):
        return None
    if row is not None and envelope.stream_version <= row["version"]:
        return None
    event = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    new = dict(row or {"status": "open", "exit_group": None, "exit_category": None, "closed_on": None})
    new.update(agency_id=event.agency_id, version=envelope.stream_version)
    match event:
        case AccompanimentOpened():
            new["start_date"] = event.start_date.isoformat()
        case AccompanimentClosed():
            new.update(
                status="closed",
                exit_group=event.exit_group.value,
                exit_category=event.exit_category.value,
                closed_on=event.closed_on.isoformat(),
            )
    return new


@dataclass
class ExitRate:
    """Exits of one scope (an agency or the department) by group, and the headline rate."""

    scope: str
    active: int = 0
    exits: int = 0
    by_group: dict[str, int] = field(default_factory=lambda: {g.value: 0 for g in ExitGroup})
    positive_exits: int = 0

    @property
    def positive_exit_rate(self) -> float | None:
        """Share of exits in the positive groups, or None when there was no exit."""
        return round(self.positive_exits / self.exits, 4) if self.exits else None

    @property
    def emploi_durable_rate(self) -> float | None:
        """Share of exits to lasting employment."""
        return round(self.by_group[ExitGroup.EMPLOI_DURABLE] / self.exits, 4) if self.exits else None

    def as_dict(self) -> dict:
        """JSON form."""
        return {
            "scope": self.scope,
            "active": self.active,
            "exits": self.exits,
            "exits_by_group": self.by_group,
            "positive_exits": self.positive_exits,
            "positive_exit_rate": self.positive_exit_rate,
            "emploi_durable_rate": self.emploi_durable_rate,
        }


def exit_rates(
    rows: Iterable[dict], positive_groups: Iterable[str] = DEFAULT_POSITIVE_GROUPS
) -> tuple[ExitRate, dict[str, ExitRate]]:
    """The department's figures and each agency's."""
    positive = {str(g) for g in positive_groups}
    department = ExitRate("department")
    agencies: dict[str, ExitRate] = {}
    for row in rows:
        agency = agencies.setdefault(row["agency_id"], ExitRate(row["agency_id"]))
        for scope in (department, agency):
            if row["status"] == "closed":
                scope.exits += 1
                scope.by_group[row["exit_group"]] += 1
                scope.positive_exits += row["exit_group"] in positive
            else:
                scope.active += 1
    return department, dict(sorted(agencies.items()))
