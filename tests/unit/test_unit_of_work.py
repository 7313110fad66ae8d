"""The states kept of the last reads: the most recently read kept, the least recently read dropped first."""

from __future__ import annotations

from dataclasses import dataclass

from shared.aggregate import Aggregate
from shared.eventstore import Tracing
from shared.unit_of_work import BatchProjection, States, UnitOfWork


def test_the_least_recently_read_state_goes_first_when_more_are_kept_than_the_size():
    states = States(2)
    states.keep("a", 1)
    states.keep("b", 2)
    assert states.get("a") == 1  # read again: now the most recent
    states.keep("c", 3)
    assert (states.get("a"), states.get("b"), states.get("c"), len(states)) == (1, None, 3, 2)


def test_a_state_kept_again_replaces_the_one_before():
    states = States(2)
    states.keep("a", 1)
    states.keep("a", 2)
    assert (states.get("a"), len(states)) == (2, 1)


def test_a_size_of_zero_keeps_nothing():
    states = States(0)
    states.keep("a", 1)
    assert (states.get("a"), len(states)) == (None, 0)


# A batch projection's rows left for the group's commit (`defer`), or written at once.


@dataclass(frozen=True)
class _Counter:
    id: str
    version: int = 0


_COUNTER = Aggregate[_Counter](
    "counter", lambda state, event: _Counter(event, (state.version if state else 0) + 1), str
)


def _unit(defer) -> tuple[UnitOfWork, list, list]:
    one_by_one: list = []
    many: list = []

    async def one(conn, state, events) -> None:
        one_by_one.append(state.id)

    async def write_many(conn, projected) -> None:
        many.append([state.id for state, _ in projected])

    async def appender(appends) -> None:
        pass

    projections = {_COUNTER: BatchProjection(one, write_many)}
    unit = UnitOfWork(None, None, projections=projections, tracing=Tracing.new(), appender=appender, defer=defer)
    return unit, one_by_one, many


async def test_a_batch_projection_s_rows_are_left_for_the_commit_when_the_unit_may_defer_them():
    left: list = []

    def defer(write, projected, streams) -> bool:
        left.append((write, [state.id for state, _ in projected], list(streams)))
        return True

    unit, one_by_one, many = _unit(defer)
    await unit.save(_COUNTER, None, ["a"])
    assert one_by_one == [] and many == [], "nothing written in the unit"
    [(write, ids, streams)] = left
    assert ids == ["a"] and streams == ["counter-a"]
    await write(None, [(_Counter("a", 1), ["a"])])
    assert many == [["a"]], "what is left is the projection's own many-row write"


async def test_a_batch_projection_s_rows_are_written_at_once_when_the_unit_may_not_defer_them():
    unit, one_by_one, many = _unit(lambda write, projected, streams: False)
    await unit.save(_COUNTER, None, ["a"])
    assert one_by_one == ["a"] and many == []
    await unit.save_all(_COUNTER, [(None, ["b"]), (None, ["c"])])
    assert many == [["b", "c"]]
