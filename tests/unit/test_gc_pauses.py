"""A process's surviving objects are frozen out of the collector's passes; a full collection still frees cycles."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from shared.gc_pauses import keep_out_of_full_passes, settle


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture(autouse=True)
def _unfrozen():
    yield
    gc.unfreeze()


def test_settling_freezes_what_survives_and_a_full_settle_frees_frozen_cycles():
    kept = [object() for _ in range(10)]
    node = _Node()
    gone = weakref.ref(node)
    settle(full=False)
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    del node
    gc.collect()
    assert gone() is not None, "a frozen cycle is left to the next full settle"
    settle(full=True)
    assert gone() is None, "the full settle reclaimed it"
    assert gc.get_freeze_count() <= frozen and kept


async def test_the_loop_settles_every_period_and_fully_every_full_period():
    node = _Node()
    gone = weakref.ref(node)
    task = asyncio.create_task(keep_out_of_full_passes(0.01, 0.05))
    try:
        await asyncio.sleep(0.03)
        assert gc.get_freeze_count() > 0, "settled within its period"
        del node
        for _ in range(100):
            if gone() is None:
                break
            await asyncio.sleep(0.01)
        assert gone() is None, "a full settle came within its period"
    finally:
        task.cancel()
