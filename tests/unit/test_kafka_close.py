"""Stopping a consumer: a close the broker never confirms does not hold the caller."""

from __future__ import annotations

import asyncio
import time

from shared import kafka
from shared.kafka import stop_consumer


class _Consumer:
    """A consumer whose close waits on a TLS shutdown the broker never confirms (or not)."""

    def __init__(self, close_hangs: bool) -> None:
        self.close_hangs = close_hangs
        self.stopped = False
        self.cancelled = False

    async def stop(self) -> None:
        try:
            if self.close_hangs:
                await asyncio.sleep(3600)
            self.stopped = True
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def test_an_unconfirmed_close_is_given_up_after_the_bound(monkeypatch):
    monkeypatch.setattr(kafka, "CONSUMER_CLOSE_SECONDS", 0.2)
    consumer = _Consumer(close_hangs=True)
    started = time.monotonic()
    await stop_consumer(consumer)
    assert consumer.cancelled and not consumer.stopped
    assert time.monotonic() - started < 5


async def test_a_confirmed_close_completes():
    consumer = _Consumer(close_hangs=False)
    await stop_consumer(consumer)
    assert consumer.stopped and not consumer.cancelled
