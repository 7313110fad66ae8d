"""States kept of the last reads: a read outside a transaction folds only the events recorded since the kept one,
and nothing folded inside a transaction is kept or read from what is kept."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date

import pytest

from shared.adapters.aggregate_store import PostgresAggregateStore
from shared.adapters.private_texts import PostgresPrivateTexts
from shared.aggregate import Aggregate
from shared.contracts.placement import EmployerRegistered, EmployerSize
from shared.eventstore import Tracing
from shared.migrations import PRIVATE_TEXTS, upgrade
from shared.private_text import Owner, TextState
from shared.unit_of_work import States

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Names:
    id: uuid.UUID
    version: int
    names: tuple[uuid.UUID, ...]


def _apply(state: Names | None, event: EmployerRegistered) -> Names:
    if state is None:
        return Names(event.employer_id, 1, (event.name_ref,))
    return Names(state.id, state.version + 1, (*state.names, event.name_ref))


NAMES: Aggregate[Names] = Aggregate("names", _apply, partition_key=lambda s: s.id)


def _event(employer_id: uuid.UUID) -> EmployerRegistered:
    return EmployerRegistered(
        employer_id=employer_id,
        siret="73282932000074",
        name_ref=uuid.uuid4(),
        size=EmployerSize.PME,
        sector="S",
        social_economy=True,
        siae=False,
        commune_code="93027",
    )


async def _append(store, aggregate_id: uuid.UUID, version: int, count: int, conn=None) -> None:
    events = [_event(aggregate_id) for _ in range(count)]
    await store.append(
        NAMES.stream_id(aggregate_id),
        version,
        events,
        partition_key=str(aggregate_id),
        tracing=Tracing.new(),
        conn=conn,
    )


@pytest.fixture
def reads(store, monkeypatch) -> list[int]:
    """The version after which each read of a stream started (0: the whole stream)."""
    seen: list[int] = []
    load_stored = store.load_stored

    async def recording(stream_id, conn=None, after=0):
        seen.append(after)
        return await load_stored(stream_id, conn=conn, after=after)

    monkeypatch.setattr(store, "load_stored", recording)
    return seen


async def test_a_kept_state_is_read_on_with_the_events_recorded_since(store, reads):
    aggregate_id = uuid.uuid4()
    states = States(10)
    kept = PostgresAggregateStore(store, states=states)
    await _append(store, aggregate_id, 0, 2)
    first = await kept.load(NAMES, aggregate_id)
    await _append(store, aggregate_id, 2, 3)  # by another process: this one's kept state is now behind
    later = await kept.load(NAMES, aggregate_id)
    again = await kept.load(NAMES, aggregate_id)

    whole = await PostgresAggregateStore(store).load(NAMES, aggregate_id)
    assert first is not None and first.version == 2
    assert later == whole and later.version == 5 and len(later.names) == 5
    assert again == whole
    assert reads[:3] == [0, 2, 5], "the second read starts after the kept version 2, the third after 5"
    assert states.get(NAMES.stream_id(aggregate_id)) == whole


async def test_nothing_folded_in_a_transaction_is_kept_or_read_from_what_is_kept(store, pool, reads):
    aggregate_id = uuid.uuid4()
    states = States(10)
    kept = PostgresAggregateStore(store, states=states)
    await _append(store, aggregate_id, 0, 2)
    assert (await kept.load(NAMES, aggregate_id)).version == 2
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await _append(store, aggregate_id, 2, 1, conn=conn)
        inside = await kept.join(conn, Tracing.new()).load(NAMES, aggregate_id)
        await tx.rollback()
    after = await kept.load(NAMES, aggregate_id)

    assert inside.version == 3, "the transaction sees its own event"
    assert reads[1] == 0, "a read in a transaction folds the whole stream as the transaction sees it"
    assert after.version == 2 and after == await PostgresAggregateStore(store).load(NAMES, aggregate_id)
    assert states.get(NAMES.stream_id(aggregate_id)).version == 2, "the rolled-back event was never kept"


async def test_a_kept_state_is_read_on_with_the_texts_it_names_in_one_statement(store, pool, infra):
    await upgrade(infra.database_url, store.schema, PRIVATE_TEXTS)
    texts = PostgresPrivateTexts(store.schema, b"k" * 32)
    aggregate_id = uuid.uuid4()
    owner = Owner.person(aggregate_id)
    kept = PostgresAggregateStore(store, states=States(10))
    await _append(store, aggregate_id, 0, 2)

    def names_beside(state: Names):
        return texts.view_beside(owner, state.names)

    async with pool.acquire() as conn:
        uow = kept.join(conn, Tracing.new())
        first, rows = await uow.load_beside(NAMES, aggregate_id, names_beside)
        assert first.version == 2 and rows is None  # nothing kept yet: the caller reads the texts on their own
        await texts.seal(conn, owner, {first.names[0]: "Atelier CV", first.names[1]: "Mission locale"})
        # The first read of the kind on a connection prepares it (asyncpg reads the types of its columns once).
        again, rows = await uow.load_beside(NAMES, aggregate_id, names_beside)
        assert again == first and texts.view_of(rows, first.names).text(first.names[0]) == "Atelier CV"
        await _append(store, aggregate_id, 2, 1)  # recorded since the state was kept
        statements: list[str] = []
        conn.add_query_logger(lambda record: statements.append(record.query))
        state, rows = await uow.load_beside(NAMES, aggregate_id, names_beside)
        await asyncio.sleep(0.1)  # query loggers are called soon after the query, not during it
        assert len(statements) == 1 and state.version == 3 and state.names[:2] == first.names
        view = texts.view_of(rows, state.names)
        assert view == await texts.view(conn, owner, state.names)
        assert [view.text(ref) for ref in state.names] == ["Atelier CV", "Mission locale", None]
        assert texts.view_of(rows, state.names[:1]).texts.keys() == {first.names[0]}  # only the references asked
        await texts.erase(conn, owner, date(2026, 3, 2))
        state, rows = await uow.load_beside(NAMES, aggregate_id, names_beside)
        erased = texts.view_of(rows, state.names)
        assert erased.erased and {r.state for r in erased.texts.values()} == {TextState.ERASED}
